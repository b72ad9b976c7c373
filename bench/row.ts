/** One line of the benchmark table, shared by the sections in `bench/`. */

/** One line of the table. */
export interface Row {
  section: string;
  what: string;
  n: number;
  ours: number;
  peer?: number;
  peerName?: string;
  unit: string;
  /** ours / peer, or peer / ours for "x faster" rows. */
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
}
