import { pack } from 'tar-stream';

/** Where the task's JSON is in every container (also in `FLEET_TASK_FILE`). */
export const TASK_FILE = '/fleet-task.json';

/**
 * A tar archive holding the task's JSON as `TASK_FILE`, for the engine's archive endpoint:
 * a file rather than stdin, since attaching stdin is not portable across engines.
 */
export const taskArchive = async (input: string): Promise<Buffer> => {
  const archive = pack();
  archive.entry({ name: TASK_FILE.slice(1), mode: 0o644 }, input);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};
