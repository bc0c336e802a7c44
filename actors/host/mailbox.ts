/**
 * One message at a time: jobs posted to a mailbox run strictly in order, each after the
 * previous one settled, so an actor never interleaves two decisions.
 */
export class Mailbox {
  #tail: Promise<unknown> = Promise.resolve();
  #depth = 0;

  /** Runs `job` after every job posted before it; resolves or rejects with its outcome. */
  post<T>(job: () => Promise<T> | T): Promise<T> {
    this.#depth += 1;
    const run = this.#tail.then(job, job);
    this.#tail = run.then(
      () => {
        this.#depth -= 1;
      },
      () => {
        this.#depth -= 1;
      },
    );
    return run;
  }

  /** Jobs posted and not yet settled. */
  get depth(): number {
    return this.#depth;
  }

  /** Resolves once every job posted so far has settled. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
