import type { TestProject } from 'vitest/node';
import { engineHost, engineRequired, engineTierMissingError } from './engine-tier.ts';
import { dockerAt, ensureTestImage } from './test-image.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The container engine's address for `*.engine.e2e.test.ts` (`unix://…` or DOCKER_HOST). */
    dockerHost: string;
  }
}

/**
 * Vitest globalSetup of the e2e tier, set only when an engine was found (see engine-tier.ts):
 * checks that it answers and imports the test image once for the run, so each container test
 * starts from a ready engine. An engine that was found but does not answer fails the run.
 */
export default async function setup(project: TestProject): Promise<void> {
  const host = engineHost();
  if (host === undefined) throw new Error(engineTierMissingError('no engine found'));
  const docker = dockerAt(host);
  try {
    await docker.ping();
  } catch (error) {
    const why = `the engine at ${host} does not answer (${error instanceof Error ? error.message : String(error)})`;
    throw new Error(
      engineRequired() ? engineTierMissingError(why) : `${why}: start it or unset DOCKER_HOST`,
    );
  }
  await ensureTestImage(docker);
  project.provide('dockerHost', host);
}
