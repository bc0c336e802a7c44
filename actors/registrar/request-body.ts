import { CurvePublicKey } from '../../events/index.ts';

// What the registrar reads of a request's body before it checks the body as a whole: whom to
// answer (a renewal names its worker, whose inbox alone may be answered) and how (sealed).

/** The worker a renewal body names, if it names one (the request is checked later). */
export const renewalOf = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null || !('renew' in body)) return undefined;
  const r = body.renew;
  if (typeof r !== 'object' || r === null || !('workerId' in r)) return undefined;
  return typeof r.workerId === 'string' ? r.workerId : undefined;
};

/** The seal key of an enrollment body, when it carries a valid one. */
export const sealKeyOf = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null || !('sealKey' in body)) return undefined;
  const key = CurvePublicKey.safeParse(body.sealKey);
  return key.success ? key.data : undefined;
};
