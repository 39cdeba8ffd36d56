/**
 * A small per-process cache for AWS and GitHub reads: concurrent callers share one in-flight request,
 * results live for a short TTL, and Deckhand's own mutations invalidate by key prefix
 * (e.g. invalidate("iam:") after a rotation). Failures are never cached.
 *
 * Keys can carry user input (a repository name from the URL, a search), so the cache is bounded: past
 * `maxEntries`, expired entries go first, then the least recently used settled ones (in-flight loads stay,
 * so concurrent callers still share them).
 */
interface Entry {
  expires: number;
  value: Promise<unknown>;
  settled: boolean;
}

export class TtlCache {
  private entries = new Map<string, Entry>();
  private hits = 0;
  private misses = 0;

  constructor(
    private now: () => number = Date.now,
    private maxEntries = 2000,
  ) {}

  /**
   * The cached value of `key`, or `load`'s (shared by concurrent callers). `ttlMs` is how long a loaded value is
   * kept (ms), or a function of the value saying so (e.g. a remembered failure kept shorter than an answer).
   */
  get<T>(key: string, ttlMs: number | ((value: T) => number), load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && (!hit.settled || hit.expires > this.now())) {
      this.hits++;
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    this.misses++;
    const entry: Entry = { expires: Infinity, value: Promise.resolve(), settled: false };
    entry.value = load().then(
      (v) => {
        entry.settled = true;
        entry.expires = this.now() + (typeof ttlMs === "function" ? ttlMs(v) : ttlMs);
        return v;
      },
      (err) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw err;
      },
    );
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.evict();
    return entry.value as Promise<T>;
  }

  /** Drop expired entries, then the least recently used settled ones, until within `maxEntries`. */
  private evict(): void {
    const now = this.now();
    for (const [key, e] of this.entries) if (e.settled && e.expires <= now) this.entries.delete(key);
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      if (e.settled) this.entries.delete(key);
    }
  }

  invalidate(prefix = ""): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  stats() {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}

const g = globalThis as unknown as { deckhandCache?: TtlCache };

/** The app's shared cache. */
export function appCache(): TtlCache {
  g.deckhandCache ??= new TtlCache();
  return g.deckhandCache;
}
