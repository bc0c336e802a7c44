import type { RuntimeKind } from '../../events/index.ts';

/** How one class of tasks ran. */
export interface ClassResult {
  readonly name: string;
  readonly tasks: number;
  readonly completed: number;
  /** The runtimes that ran its tasks (from each task's output, said by the runtime itself). */
  readonly ranOn: readonly RuntimeKind[];
  readonly expected: RuntimeKind;
  /** Why, as `fleet status` says it. */
  readonly why: string;
}

/** What the runtimes example found. */
export interface RuntimesResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly classes: readonly ClassResult[];
  /** Launch events on the stream, by type. */
  readonly launches: Readonly<Record<string, number>>;
  /** Workers left active at the end (launched ones must all have left). */
  readonly activeAtEnd: number;
}
