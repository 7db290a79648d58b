/** Requests per second: the steady rate, and how many may come at once after a quiet spell. */
export interface ThrottleLimit {
  rateLimit: number;
  burstLimit: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limit: ThrottleLimit;
}

/** Past this many tracked clients, buckets that have refilled (idle clients) are forgotten. */
const PRUNE_ABOVE = 10_000;

/**
 * Token buckets by key (route and client IP): what API Gateway's method throttling does on AWS,
 * kept in memory by the local server, which has one process and no gateway in front of it.
 */
export class Throttle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes a token for `key`; false means the request is over the limit. */
  allow(key: string, limit: ThrottleLimit): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burstLimit, at: now, limit };
    bucket.tokens = refilled(bucket, now);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > PRUNE_ABOVE) {
      for (const [other, b] of this.buckets) if (refilled(b, now) >= b.limit.burstLimit) this.buckets.delete(other);
    }
    return allowed;
  }
}

const refilled = (bucket: Bucket, now: number) =>
  Math.min(bucket.limit.burstLimit, bucket.tokens + ((now - bucket.at) / 1000) * bucket.limit.rateLimit);
