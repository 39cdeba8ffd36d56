// The long operations (rotations, setups) this process is running now, by id, so one process never runs
// the same one twice. Kept on globalThis: Next.js may load this module once per bundle in one process.

import { describeFailure } from "../failures";

export interface InFlight<T> {
  has(id: number): boolean;
  /** Remember `run` until it settles; then call `onSettled`, and log a runner that threw (it should not). */
  track(id: number, run: Promise<T>, onSettled?: () => void): Promise<T>;
}

export function inFlightRegistry<T>(kind: "rotation" | "setup" | "oidc-move"): InFlight<T> {
  const g = globalThis as unknown as Record<string, Map<number, Promise<T>> | undefined>;
  const key = `deckhandInFlight:${kind}`;
  const map = () => (g[key] ??= new Map());
  return {
    has: (id) => map().has(id),
    track(id, run, onSettled = () => {}) {
      map().set(id, run);
      const clear = () => {
        map().delete(id);
        onSettled();
      };
      run.then(clear, (err) => {
        clear();
        console.error(`[deckhand] ${kind} ${id} runner stopped unexpectedly: ${describeFailure(err, "deckhand", `${kind} runner`).message}`);
      });
      return run;
    },
  };
}
