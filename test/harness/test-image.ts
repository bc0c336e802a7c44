import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { pack } from 'tar-stream';

/** The image the container tests run: busybox-static alone, a couple of MB, no registry. */
export const TEST_IMAGE = 'fleet-test-busybox';

/** Debian's busybox-static: one static binary, so a root file system of one file works. */
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'cat', 'echo', 'sleep', 'dd', 'grep', 'true', 'false', 'env', 'head'];

/** A Docker client of the engine at `host` (`unix://…`, or what dockerode reads from DOCKER_HOST). */
export const dockerAt = (host: string): Docker =>
  host.startsWith('unix://')
    ? new Docker({ socketPath: host.slice('unix://'.length) })
    : new Docker();

/**
 * Imports `TEST_IMAGE` from a root file system made of the machine's busybox-static, through
 * the engine's own import endpoint (`docker import`, `podman import`): it works the same on
 * Docker and Podman and needs no registry. Does nothing when the image is there.
 */
export const ensureTestImage = async (docker: Docker): Promise<void> => {
  const found = await docker.listImages({ filters: JSON.stringify({ reference: [TEST_IMAGE] }) });
  if (found.length > 0) return;
  const busybox = await readFile(BUSYBOX).catch(() => {
    throw new Error(`${BUSYBOX} is missing: apt-get install -y busybox-static`);
  });
  const root = pack();
  root.entry({ name: 'bin', type: 'directory', mode: 0o755 });
  root.entry({ name: 'tmp', type: 'directory', mode: 0o1777 });
  root.entry({ name: 'bin/busybox', mode: 0o755 }, busybox);
  for (const applet of APPLETS)
    root.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' });
  root.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of root as AsyncIterable<Buffer>) chunks.push(chunk);
  const progress = await docker.importImage(Readable.from([Buffer.concat(chunks)]), {
    repo: TEST_IMAGE,
    tag: 'latest',
  });
  // The engine streams its progress; the image exists once the stream ends.
  for await (const line of progress as AsyncIterable<Buffer>) {
    const error = /"error"\s*:\s*"([^"]*)"/.exec(line.toString('utf8'))?.[1];
    if (error !== undefined) throw new Error(`the engine could not import ${TEST_IMAGE}: ${error}`);
  }
};
