import { describe, expect, it } from "vitest";
import { createPacer } from "./pace";

/** A clock that only moves when something sleeps on it. */
function fakeClock() {
  let t = 1_000_000;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept, advance: (ms: number) => void (t += ms) };
}

describe("createPacer", () => {
  it("lets the first call through at once and spaces the next ones by the interval, in call order", async () => {
    const clock = fakeClock();
    const pace = createPacer(1000, clock);
    const starts: Array<[string, number]> = [];
    await Promise.all(["a", "b", "c"].map(async (name) => (await pace(), starts.push([name, clock.now()]))));
    expect(starts).toEqual([
      ["a", 1_000_000],
      ["b", 1_001_000],
      ["c", 1_002_000],
    ]);
    expect(clock.slept).toEqual([1000, 1000]);
  });

  it("does not wait when the interval has already passed, and waits only the rest of it otherwise", async () => {
    const clock = fakeClock();
    const pace = createPacer(1000, clock);
    await pace();
    clock.advance(1500);
    await pace();
    expect(clock.slept).toEqual([]);
    clock.advance(400);
    await pace();
    expect(clock.slept).toEqual([600]);
  });

  it("paces for real: three calls at 50 ms take at least 100 ms", async () => {
    const pace = createPacer(50);
    const t0 = Date.now();
    await Promise.all([pace(), pace(), pace()]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
  });
});
