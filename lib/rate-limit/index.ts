/** Rate limiting of the poller: a token bucket per route and partition, slowed as in-flight grows. */
export { inFlightRateFactor, MIN_RATE_FACTOR, partitionShare } from './adaptive.ts';
export { TokenBucket } from './token-bucket.ts';
