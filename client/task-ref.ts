/** Names one task: ids are unique within a project, and a pool's dispatcher tracks it. */
export interface TaskRef {
  readonly project: string;
  readonly pool: string;
  readonly taskId: string;
}
