import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidInputError, RefusedError } from '../events/index.ts';
import type { Scope } from '../projections/index.ts';
import {
  ActionRefusedError,
  CancelRequest,
  ClearLimitRequest,
  DrainRequest,
  parseAction,
  readActionBody,
  RedriveRequest,
  RevokeRequest,
  SetLimitRequest,
} from './operator-actions.ts';
import type { OperatorActions } from './operator-actions.ts';

/** Each action's path, what its request is called in refusals, and how it is carried out. */
const ACTIONS = {
  '/api/actions/cancel': {
    action: 'cancel',
    what: 'cancellation',
    run: (actions: OperatorActions, body: unknown) =>
      actions.cancel(parseAction(CancelRequest, 'cancellation', body)),
  },
  '/api/actions/redrive': {
    action: 'redrive',
    what: 'redrive',
    run: (actions: OperatorActions, body: unknown) =>
      actions.redrive(parseAction(RedriveRequest, 'redrive', body)),
  },
  '/api/actions/drain': {
    action: 'drain',
    what: 'drain',
    run: (actions: OperatorActions, body: unknown) =>
      actions.drain(parseAction(DrainRequest, 'drain', body)),
  },
  '/api/actions/revoke': {
    action: 'revoke',
    what: 'revocation',
    run: (actions: OperatorActions, body: unknown) =>
      actions.revoke(parseAction(RevokeRequest, 'revocation', body)),
  },
  '/api/actions/limit-set': {
    action: 'limit-set',
    what: 'limit',
    run: (actions: OperatorActions, body: unknown) =>
      actions.setLimit(parseAction(SetLimitRequest, 'limit', body)),
  },
  '/api/actions/limit-clear': {
    action: 'limit-clear',
    what: 'clearing of limits',
    run: (actions: OperatorActions, body: unknown) =>
      actions.clearLimit(parseAction(ClearLimitRequest, 'clearing of limits', body)),
  },
} as const;

/** The paths of the operators' actions. */
export const ACTION_PATHS: ReadonlySet<string> = new Set(Object.keys(ACTIONS));

type SendJson = (res: ServerResponse, status: number, body: unknown) => void;

/**
 * Serves one action request: POST, an operator's token (a project token is refused 403),
 * a JSON body naming what to act on; answered 202 with the stream sequence of the event the
 * action stored, 400 for a limit that does not parse, 409 when the fleet refused it (no such
 * worker, already revoked…), or why not.
 */
export const serveAction = (
  req: IncomingMessage,
  res: ServerResponse,
  scope: Scope,
  actions: OperatorActions | undefined,
  sendJson: SendJson,
): void => {
  const route =
    ACTIONS[new URL(req.url ?? '/', 'http://hud.invalid').pathname as keyof typeof ACTIONS];
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
    .then((body) => route.run(actions, body))
    .then(
      ({ seq }) => {
        sendJson(res, 202, { action: route.action, seq });
      },
      (error: unknown) => {
        if (error instanceof ActionRefusedError)
          sendJson(res, error.status, { error: error.code, message: error.message });
        // A limit that does not parse (its refusal is on the stream when it could be recorded).
        else if (error instanceof InvalidInputError)
          sendJson(res, 400, { error: 'invalid_input', message: error.message });
        else if (error instanceof RefusedError)
          sendJson(res, 409, { error: error.reason, message: error.message });
        else
          sendJson(res, 502, {
            error: 'unavailable',
            message: `the ${route.what} was not stored: ${error instanceof Error ? error.message : String(error)}`,
          });
      },
    );
};
