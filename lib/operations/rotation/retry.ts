import { classifyFailure } from "../../failures";

/** Throttling, 5xx and lost connections pass; everything else is an answer. */
export function isTransient(err: unknown): boolean {
  const kind = classifyFailure(err);
  return kind === "throttled" || kind === "unavailable" || kind === "unreachable";
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Step-level retries on top of the clients' own: `attempts` tries with doubling backoff, transient
 * errors only. `beforeRetry` lets a step check what the failed try may have done (a lost response).
 */
export async function withStepRetries<T>(
  fn: () => Promise<T>,
  opts: { attempts: number; backoffMs: number; beforeRetry?: (err: unknown) => Promise<void> },
): Promise<T> {
  let pause = opts.backoffMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= opts.attempts || !isTransient(err)) throw err;
      await sleep(pause);
      pause *= 2;
      if (opts.beforeRetry) await opts.beforeRetry(err);
    }
  }
}
