/** Where an event sits in the log: its message's sequence and the server's time of it. */
export interface LogPosition {
  readonly seq: number;
  readonly at: number;
}
