/**
 * Space out calls to an API with a request-rate limit: `pace()` resolves at most once per `intervalMs`, in the
 * order it was called (the first at once). Await it right before each request. It bounds the rate of request
 * starts, not how many are in flight; a caller that needs both awaits its requests one at a time.
 *
 * Example: CloudTrail LookupEvents allows 2 requests per second per account and Region (CloudTrail API Reference,
 * LookupEvents), so `createPacer(1000)` in front of one queue of lookups leaves half of that budget to every other
 * reader of the same account.
 */
export function createPacer(intervalMs: number, clock: { now: () => number; sleep: (ms: number) => Promise<void> } = realClock): () => Promise<void> {
  /** The earliest time (epoch ms) the next request may start. */
  let nextAt = -Infinity;
  let last: Promise<void> = Promise.resolve();
  return () => {
    const turn = last.then(async () => {
      const wait = nextAt - clock.now();
      if (wait > 0) await clock.sleep(wait);
      nextAt = clock.now() + intervalMs;
    });
    last = turn;
    return turn;
  };
}

const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
