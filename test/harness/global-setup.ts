import type { TestProject } from 'vitest/node';
import {
  browserTierIncludedNotice,
  browserTierNotRunNotice,
  chromiumFound,
} from './browser-tier.ts';
import { engineFound, engineTierIncludedNotice, engineTierNotRunNotice } from './engine-tier.ts';
import { startNatsServer } from './nats-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the private JetStream-enabled nats-server started for this test run. */
    natsUrl: string;
  }
}

/**
 * Vitest globalSetup: starts one private nats-server (JetStream, 127.0.0.1, random port,
 * fresh temp store dir) for the whole run, provides its URL as `natsUrl` (read it with
 * `inject('natsUrl')` or `connectTest()`), and returns a teardown that stops the server
 * and removes its store dir. The teardown runs after vitest's summary, so the last thing a run
 * prints is whether the container and browser tiers were in it (see browser-tier.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startNatsServer();
  project.provide('natsUrl', server.url);
  return async () => {
    await server.stop();
    process.stderr.write(engineFound() ? engineTierIncludedNotice() : engineTierNotRunNotice());
    process.stderr.write(chromiumFound() ? browserTierIncludedNotice() : browserTierNotRunNotice());
  };
}
