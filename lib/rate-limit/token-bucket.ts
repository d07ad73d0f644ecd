/**
 * A token bucket: `rate` tokens a second flow in, at most `burst` are kept. Taking a token per
 * record limits a partition's forwarding rate while letting a quiet partition catch up in a
 * burst. Time comes from an injectable clock (ms), so tests need not sleep.
 */
export class TokenBucket {
  #rate: number;
  #burst: number;
  #tokens: number;
  #updatedAt: number;
  readonly #now: () => number;

  constructor(ratePerSecond: number, burst: number, now: () => number = () => performance.now()) {
    checkRate(ratePerSecond, burst);
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#now = now;
    this.#updatedAt = now();
  }

  get ratePerSecond(): number {
    return this.#rate;
  }

  /** Tokens available now (fractional). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Changes rate and burst; tokens already in the bucket stay, up to the new burst. */
  configure(ratePerSecond: number, burst: number = this.#burst): void {
    checkRate(ratePerSecond, burst);
    this.#refill();
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = Math.min(this.#tokens, burst);
  }

  /** Takes `count` tokens when there are that many, and says whether it did. */
  tryTake(count = 1): boolean {
    this.#refill();
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** ms until `count` tokens are available (0 when they are); `count` above the burst never fits. */
  msUntil(count = 1): number {
    if (count > this.#burst) {
      throw new RangeError(
        `token bucket: ${count} tokens can never be available with a burst of ${this.#burst}`,
      );
    }
    this.#refill();
    const missing = count - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil((missing / this.#rate) * 1000);
  }

  #refill(): void {
    const now = this.#now();
    const elapsedMs = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs / 1000) * this.#rate);
  }
}

function checkRate(ratePerSecond: number, burst: number): void {
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new RangeError(`token bucket: rate must be a finite number > 0 per second, got ${ratePerSecond}`);
  }
  if (!Number.isFinite(burst) || burst < 1) {
    throw new RangeError(`token bucket: burst must be a finite number >= 1, got ${burst}`);
  }
}
