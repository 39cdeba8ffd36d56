import type { SandboxContext } from "../context";

/**
 * Background work of the GitHub half (workflow runs, webhook deliveries) per sandbox: tracked so that
 * close() can wait for it and a reset can orphan it (a stale run must not write into re-seeded rows).
 */
interface Background {
  timers: Set<NodeJS.Timeout>;
  inflight: Set<Promise<unknown>>;
  generation: number;
  stopped: boolean;
}

const states = new Map<SandboxContext, Background>();

function stateOf(ctx: SandboxContext): Background {
  let s = states.get(ctx);
  if (!s) {
    s = { timers: new Set(), inflight: new Set(), generation: 0, stopped: false };
    states.set(ctx, s);
  }
  return s;
}

export function generationOf(ctx: SandboxContext): number {
  return stateOf(ctx).generation;
}

/** True while work scheduled at `generation` may still write (no reset or stop since). */
export function stillCurrent(ctx: SandboxContext, generation: number): boolean {
  const s = stateOf(ctx);
  return !s.stopped && s.generation === generation;
}

export function later(ctx: SandboxContext, ms: number, fn: () => void | Promise<void>): void {
  const s = stateOf(ctx);
  if (s.stopped) return;
  const t = setTimeout(() => {
    s.timers.delete(t);
    track(ctx, Promise.resolve().then(fn));
  }, ms);
  s.timers.add(t);
}

export function track<T>(ctx: SandboxContext, p: Promise<T>): Promise<T> {
  const s = stateOf(ctx);
  const guarded = p.catch((err) => {
    console.error("[sandbox] github background task failed:", err);
  });
  s.inflight.add(guarded);
  void guarded.finally(() => s.inflight.delete(guarded));
  return p;
}

/** A reset: pending work is dropped and work in flight may no longer write. */
export function orphanBackground(ctx: SandboxContext): void {
  const s = stateOf(ctx);
  for (const t of s.timers) clearTimeout(t);
  s.timers.clear();
  s.generation += 1;
}

export function startBackground(ctx: SandboxContext): void {
  stateOf(ctx).stopped = false;
}

/** Stop every sandbox's background work in this process and wait (briefly) for what is in flight. */
export async function stopBackground(): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (const s of states.values()) {
    s.stopped = true;
    for (const t of s.timers) clearTimeout(t);
    s.timers.clear();
    pending.push(...s.inflight);
  }
  await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, 3000))]);
  states.clear();
}
