/** The bench's summaries of samples. Nearest-rank percentiles: every figure reported is a sample that was measured. */

export const round = (n: number) => Math.round(n * 100) / 100;

/** The nearest-rank `q`-quantile (0 < q ≤ 1) of ascending values: the smallest value with at least q of the samples at or below it. */
export function percentile(ascending: readonly number[], q: number): number {
  if (!ascending.length) return Number.NaN;
  return ascending[Math.min(ascending.length - 1, Math.max(0, Math.ceil(q * ascending.length) - 1))]!;
}

export interface Stats {
  median: number;
  p95: number;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);

export function stats(values: readonly number[]): Stats {
  const sorted = ascending(values);
  return { median: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)) };
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = ascending(values);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}
