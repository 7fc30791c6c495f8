// The shape every `npm run bench` section shares, so `bench/run.ts` can run them in turn and print one table.

/** One measured figure beside its baseline from the same run, and the target it is judged against. */
export interface BenchRow {
  /** The section it belongs to, e.g. "front door", "reads", "memory", "cluster", "simulation". */
  section: string;
  /** What was measured, e.g. "history events per contact (front-door path)". */
  measure: string;
  /** The figure, formatted with its unit, e.g. "14 events", "38.2 ms". */
  figure: string;
  /** The baseline measured in the same run, formatted, or "—" where there is none. */
  baseline: string;
  /** figure / baseline (or baseline / figure where smaller is better), or null where there is no baseline. */
  ratio: number | null;
  /** The target in words, e.g. "≥ 2× baseline", "p99 < 100 ms", or "—". */
  target: string;
  /** Whether the target was met; null where there is no target. */
  met: boolean | null;
  /** Anything a reader needs to read the figure (e.g. where it saturated). */
  note?: string;
}

export interface BenchContext {
  /** "full" for `npm run bench`; "smoke" for the small run `npm test` may make (minutes, not hours). */
  scale: 'full' | 'smoke';
  /** A scratch folder for this run, removed afterwards. */
  scratch: string;
  /** Progress for the person running it (one line per step). */
  say(line: string): void;
}

/** A section starts what it needs, measures, cleans up (even when it fails) and returns its rows. */
export interface BenchSection {
  name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}
