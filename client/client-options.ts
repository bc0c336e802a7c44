/** Where the client talks to: the deployment's subject root. */
export interface ClientOptions {
  /** Subject root of the deployment; `fleet` by default. */
  readonly root?: string;
}
