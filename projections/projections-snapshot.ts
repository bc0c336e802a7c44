import type { CostView } from './costs/cost-view.ts';
import type { FleetView } from './fleet-state/fleet-view.ts';
import type { LatencyView } from './latency/latency-view.ts';
import type { RejectionView } from './rejections/rejection-view.ts';

/** Every projection's view at one position of the stream, filtered to one scope. Plain JSON. */
export interface ProjectionsSnapshot {
  /** Last stream sequence folded. */
  position: number;
  /** When the snapshot was taken (the runner's clock, epoch ms): ages are measured against it. */
  at: number;
  fleet: FleetView;
  costs: CostView;
  latency: LatencyView;
  rejections: RejectionView;
}
