import { describe, expect, it } from "vitest";
import { formatAgo, formatDay, formatElapsed, formatMs, formatRunDuration, formatSpan, formatUtc, formatUtcSeconds } from "./format";

describe("lib/format", () => {
  it("formats UTC and relative times, tolerating bad input", () => {
    expect(formatUtc("2024-03-31T12:34:56.789Z")).toBe("2024-03-31 12:34 UTC");
    expect(formatUtc("nope")).toBe("—");
    const now = new Date("2024-03-31T12:00:00Z");
    expect(formatAgo("2024-03-31T11:59:30Z", now)).toBe("just now");
    expect(formatAgo("2024-03-29T11:00:00Z", now)).toBe("2 days ago");
    expect(formatAgo("2024-04-01T00:00:00Z", now)).toBe("in the future");
  });
  it("formats durations and sizes as the pages print them", () => {
    expect(formatMs(850)).toBe("850 ms");
    expect(formatMs(4_200)).toBe("4.2 s");
    expect(formatMs(185_000)).toBe("3 min 05 s");
    expect(formatMs(null)).toBe("—");
    expect(formatRunDuration(185_000)).toBe("3m 5s");
    expect(formatElapsed("2026-01-01T00:00:00Z", "2026-01-01T00:03:05Z")).toBe("3 min 5 s");
    expect(formatElapsed(null, null)).toBe("");
    expect(formatSpan(-3 * 86_400_000)).toBe("3 days");
    expect(formatUtcSeconds("2024-03-31T12:34:56.789Z")).toBe("2024-03-31 12:34:56");
    expect(formatDay("2024-03-31T12:34:56.789Z")).toBe("2024-03-31");
  });
});
