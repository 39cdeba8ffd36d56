import { describe, expect, it } from "vitest";
import { limiter, mapLimit } from "./map-limit";

describe("mapLimit", () => {
  it("keeps order and never exceeds the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
});

describe("limiter", () => {
  it("runs at most `limit` at once, in the order queued, calls joining while others run, and passes failures on", async () => {
    const gate = limiter(2);
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const run = (x: number) =>
      gate(async () => {
        started.push(x);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, x));
        inFlight--;
        if (x === 3) throw new Error("three");
        return x;
      });
    const first = [run(5), run(1), run(3)];
    await new Promise((r) => setTimeout(r, 2));
    const later = [run(2), run(4)];
    const settled = await Promise.allSettled([...first, ...later]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([5, 1, "three", 2, 4]);
    expect(started).toEqual([5, 1, 3, 2, 4]);
    expect(peak).toBe(2);
  });
});
