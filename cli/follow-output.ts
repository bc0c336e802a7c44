import type { TaskStatusReply } from '../events/index.ts';
import type { CliContext } from './cli-context.ts';

/**
 * What `fleet status --follow` prints of a running task's partial output: the text new since
 * the last answer, raw on standard output. The dispatcher keeps the last characters of it and
 * the count of all (`progress.outputTail`, `outputChars`); text that came and went between two
 * answers is said to be skipped, on standard error (the stream holds all of it).
 */
export const followOutput = (ctx: CliContext): ((reply: TaskStatusReply) => void) => {
  let printed = 0;
  let attempt = 0;
  return (reply) => {
    const p = reply.progress;
    if (p?.outputChars === undefined || p.outputTail === undefined) return;
    // A new attempt streams its output from the start.
    if (p.attempt !== attempt) {
      if (attempt !== 0) ctx.warn(`attempt ${p.attempt}:`);
      attempt = p.attempt;
      printed = 0;
    }
    const fresh = p.outputChars - printed;
    if (fresh <= 0) return;
    const tail = p.outputTail;
    if (fresh > tail.length) ctx.warn(`[… ${fresh - tail.length} characters skipped]`);
    ctx.io.stdout(tail.slice(Math.max(0, tail.length - fresh)));
    printed = p.outputChars;
  };
};
