import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { inject } from 'vitest';

/**
 * Connects to the private test nats-server started by the vitest globalSetup
 * (`inject('natsUrl')`). The caller owns the connection and must `close()` it.
 */
export function connectTest(): Promise<NatsConnection> {
  return connect({ servers: inject('natsUrl') });
}
