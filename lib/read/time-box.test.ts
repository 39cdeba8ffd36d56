import { describe, expect, it } from "vitest";
import { withinTime } from "./time-box";

describe("withinTime", () => {
  it("returns the value when the load is quick and gives up (without cancelling) when it is slow", async () => {
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
