/** Options of {@link runMultiTenant}. */
export interface MultiTenantOptions {
  readonly natsUrl: string;
  /** Subject root of the example's own fleet; default `fleetmt`. */
  readonly root?: string;
  /** Its stream, deleted first so every run starts clean; default `FLEET_MULTI_TENANT`. */
  readonly stream?: string;
  /** Where the narration goes, one line at a time; default `console.log`. */
  readonly log?: (line: string) => void;
  /** ANSI colours in the narration; default false. */
  readonly color?: boolean;
  /** How many tasks, split evenly between the tenants; default 40. */
  readonly tasks?: number;
  /** The run fails when it takes longer; default 60 s. */
  readonly limitMs?: number;
  /**
   * Run on a private nats-server with JWT auth (started and stopped here; `natsUrl` is not
   * used): every service, worker and producer on its own scoped credentials. The cross-tenant
   * claim is then refused by the server itself; it is also sent on an operator connection, to
   * show the dispatcher's refusal as before. Default false.
   */
  readonly secure?: boolean;
}
