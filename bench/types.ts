/** One figure of `npm run bench`, printed beside its baseline. */
export interface BenchRow {
  metric: string;
  value: string;
  baseline?: string;
  /** e.g. '7.9x faster' or 'p50 ratio 1.4' */
  ratio?: string;
  note?: string;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
}

/** Each file in bench/sections exports `run` of this type. */
export type BenchSectionRunner = () => Promise<BenchSection>;
