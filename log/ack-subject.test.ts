import { describe, expect, it } from 'vitest';
import { parseAckSubject } from './ack-subject.ts';

describe('parseAckSubject', () => {
  it('reads both forms of a delivery reply subject', () => {
    const ns = '1732670000123456789';
    expect(parseAckSubject(`$JS.ACK.FLEET.c1.1.42.7.${ns}.3`)).toEqual({
      streamSeq: 42,
      deliverySeq: 7,
      at: 1732670000123,
      pending: 3,
    });
    expect(parseAckSubject(`$JS.ACK.hub.ACCHASH.FLEET.c1.1.42.7.${ns}.0.xyz`)).toMatchObject({
      streamSeq: 42,
      deliverySeq: 7,
      pending: 0,
    });
  });

  it('gives undefined for anything that is not a delivery', () => {
    expect(parseAckSubject('_INBOX.abc')).toBeUndefined();
    expect(parseAckSubject('$JS.ACK.FLEET.c1.1.x.7.1.0')).toBeUndefined();
    expect(parseAckSubject('$JS.ACK.FLEET.c1')).toBeUndefined();
  });
});
