import { describe, expect, it } from "vitest";
import { bucketPushesByDay, chartScale } from "./daily-pushes";

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
