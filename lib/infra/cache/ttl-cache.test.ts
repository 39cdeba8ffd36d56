import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache";

describe("TtlCache", () => {
  it("shares one in-flight load between concurrent callers", async () => {
    const c = new TtlCache();
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 10));
      return loads;
    };
    const [a, b] = await Promise.all([c.get("k", 1000, load), c.get("k", 1000, load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
  });

  it("expires after the TTL and reloads", async () => {
    let t = 0;
    const c = new TtlCache(() => t);
    let loads = 0;
    const load = async () => ++loads;
    expect(await c.get("k", 100, load)).toBe(1);
    t = 99;
    expect(await c.get("k", 100, load)).toBe(1);
    t = 101;
    expect(await c.get("k", 100, load)).toBe(2);
  });

  it("never caches a failure", async () => {
    const c = new TtlCache();
    let n = 0;
    const load = async () => {
      n++;
      if (n === 1) throw new Error("throttled");
      return n;
    };
    await expect(c.get("k", 1000, load)).rejects.toThrow("throttled");
    expect(await c.get("k", 1000, load)).toBe(2);
  });

  it("invalidates by prefix only", async () => {
    const c = new TtlCache();
    let n = 0;
    const load = async () => ++n;
    await c.get("iam:keys", 1000, load);
    await c.get("ecr:repos", 1000, load);
    c.invalidate("iam:");
    expect(await c.get("iam:keys", 1000, load)).toBe(3);
    expect(await c.get("ecr:repos", 1000, load)).toBe(2);
  });
});
