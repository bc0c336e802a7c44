/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly natsUrl: string;
  /** Subject root of the example's own fleet; default `fleetload`. */
  readonly root?: string;
  /** Its stream, deleted first so every run starts clean; default `FLEET_LOAD`. */
  readonly stream?: string;
  /** Tasks submitted, spread over the tenants and pools; default 2,000. */
  readonly tasks?: number;
  /** Where the narration goes, one line at a time; default `console.log`. */
  readonly log?: (line: string) => void;
  readonly color?: boolean;
  /** The HUD's port (0: any free one); default 7480, or a free one when that is taken. */
  readonly hudPort?: number;
  /** The run fails when it takes longer; default 180 s. */
  readonly limitMs?: number;
  /** Before submitting anything, wait this long at most for a HUD page to connect. */
  readonly waitForViewerMs?: number;
  /** Runs after the verdict, while the HUD is still up (to keep it up: resolve later). */
  readonly afterRun?: () => Promise<void>;
}
