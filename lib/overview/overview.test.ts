import { describe, expect, it } from "vitest";
import { bucketPushesByDay, chartScale } from "../judgements/daily-pushes";
import { formatAgo, formatUtc } from "../format";
import { mapLimit } from "../infra/map-limit";

describe("bucketPushesByDay", () => {
  const now = new Date("2024-03-31T12:00:00Z");
  it("zero-fills 30 UTC days ending today and splits outcomes by source", () => {
    const b = bucketPushesByDay(
      [
        { at: "2024-03-31T23:59:59Z", outcome: "success", source: "workflow" },
        { at: "2024-03-31T00:00:00Z", outcome: "failure", source: "workflow" },
        { at: "2024-03-02T00:00:00Z", outcome: "success", source: "deckhand" },
        { at: "2024-03-01T23:59:59Z", outcome: "success", source: "workflow" },
        { at: "2024-03-15T10:00:00Z", outcome: "cancelled", source: "workflow" },
        { at: "2024-03-15T10:00:00Z", outcome: null, source: "workflow" },
        { at: "2024-03-15T10:00:00Z", outcome: "timed_out", source: "deckhand" },
        { at: "garbage", outcome: "success", source: "workflow" },
        { at: "2024-04-01T00:00:00Z", outcome: "success", source: "workflow" },
      ],
      now,
    );
    expect(b).toHaveLength(30);
    expect(b[0]).toEqual({ day: "2024-03-02", workflowSuccess: 0, deckhandSuccess: 1, failures: 0, other: 0 });
    expect(b[29]).toEqual({ day: "2024-03-31", workflowSuccess: 1, deckhandSuccess: 0, failures: 1, other: 0 });
    expect(b.find((x) => x.day === "2024-03-15")).toMatchObject({ failures: 1, other: 2 });
    expect(b.reduce((n, x) => n + x.workflowSuccess + x.deckhandSuccess + x.failures + x.other, 0)).toBe(6);
  });
  it("scales the axis to readable steps", () => {
    const mk = (n: number) => [{ day: "d", workflowSuccess: n, deckhandSuccess: 0, failures: 0, other: 9 }];
    expect(chartScale([])).toBe(1);
    expect(chartScale(mk(3))).toBe(3);
    expect(chartScale(mk(7))).toBe(10);
    expect(chartScale(mk(23))).toBe(30);
    expect(chartScale(mk(230))).toBe(300);
  });
});

describe("format-time and mapLimit", () => {
  it("formats UTC and relative times, tolerating bad input", () => {
    expect(formatUtc("2024-03-31T12:34:56.789Z")).toBe("2024-03-31 12:34 UTC");
    expect(formatUtc("nope")).toBe("—");
    const now = new Date("2024-03-31T12:00:00Z");
    expect(formatAgo("2024-03-31T11:59:30Z", now)).toBe("just now");
    expect(formatAgo("2024-03-29T11:00:00Z", now)).toBe("2 days ago");
    expect(formatAgo("2024-04-01T00:00:00Z", now)).toBe("in the future");
  });
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

describe("withinTime", () => {
  it("returns the value when the load is quick and gives up (without cancelling) when it is slow", async () => {
    const { withinTime } = await import("../read/time-box");
    expect(await withinTime(Promise.resolve(7), 50)).toEqual({ done: true, value: 7 });
    let finished = false;
    const slow = new Promise<number>((r) => setTimeout(() => ((finished = true), r(1)), 80));
    expect(await withinTime(slow, 10)).toEqual({ done: false });
    await slow;
    expect(finished).toBe(true);
    await expect(withinTime(Promise.reject(new Error("x")), 50)).rejects.toThrow("x");
    expect(await withinTime(new Promise((_, rej) => setTimeout(() => rej(new Error("late")), 30)), 5)).toEqual({ done: false });
    await new Promise((r) => setTimeout(r, 40));
  });
});
