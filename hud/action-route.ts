import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scope } from '../projections/index.ts';
import { ActionRefusedError, parseCancel, readActionBody } from './operator-actions.ts';
import type { OperatorActions } from './operator-actions.ts';

/** The paths of the operators' actions. */
export const ACTION_PATHS = new Set(['/api/actions/cancel']);

type SendJson = (res: ServerResponse, status: number, body: unknown) => void;

/**
 * Serves one action request: POST, an operator's token (a project token is refused 403),
 * a JSON body naming what to act on; answered 202 with the stream sequence of the event the
 * action stored, or with why not.
 */
export const serveAction = (
  req: IncomingMessage,
  res: ServerResponse,
  scope: Scope,
  actions: OperatorActions | undefined,
  sendJson: SendJson,
): void => {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    sendJson(res, 405, { error: 'method_not_allowed', message: 'an action is a POST' });
    return;
  }
  if (scope.kind !== 'operator') {
    sendJson(res, 403, { error: 'forbidden', message: 'only an operator token may act' });
    return;
  }
  if (actions === undefined) {
    sendJson(res, 501, { error: 'not_implemented', message: 'this HUD takes no actions' });
    return;
  }
  void readActionBody(req)
    .then(parseCancel)
    .then((ref) => actions.cancel(ref))
    .then(
      ({ seq }) => {
        sendJson(res, 202, { action: 'cancel', seq });
      },
      (error: unknown) => {
        if (error instanceof ActionRefusedError)
          sendJson(res, error.status, { error: error.code, message: error.message });
        else
          sendJson(res, 502, {
            error: 'unavailable',
            message: `the cancellation was not stored: ${error instanceof Error ? error.message : String(error)}`,
          });
      },
    );
};
