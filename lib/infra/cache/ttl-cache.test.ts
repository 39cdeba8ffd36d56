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

  it("keeps a value as long as a TTL function of the value says", async () => {
    let t = 0;
    const c = new TtlCache(() => t);
    let loads = 0;
    const ttl = (v: { ok: boolean }) => (v.ok ? 1000 : 100);
    const load = async () => ({ ok: ++loads > 1, loads });
    expect(await c.get("k", ttl, load)).toEqual({ ok: false, loads: 1 });
    t = 99;
    expect((await c.get("k", ttl, load)).loads).toBe(1);
    t = 101;
    expect(await c.get("k", ttl, load)).toEqual({ ok: true, loads: 2 });
    t = 1100;
    expect((await c.get("k", ttl, load)).loads).toBe(2);
    t = 1102;
    expect((await c.get("k", ttl, load)).loads).toBe(3);
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

  it("stays within its bound when keys come from user input: expired first, then least recently used", async () => {
    let t = 0;
    const c = new TtlCache(() => t, 3);
    let loads = 0;
    const load = async () => ++loads;
    await c.get("a", 1000, load);
    await c.get("b", 10, load);
    await c.get("c", 1000, load);
    t = 20; // b has expired
    await c.get("d", 1000, load);
    expect(c.stats().size).toBe(3);
    await c.get("a", 1000, load); // a is used again: c is now the least recently used
    await c.get("e", 1000, load);
    expect(c.stats().size).toBe(3);
    const before = loads;
    await c.get("a", 1000, load);
    await c.get("d", 1000, load);
    await c.get("e", 1000, load);
    expect(loads).toBe(before);
    await c.get("c", 1000, load);
    expect(loads).toBe(before + 1);
    for (let i = 0; i < 10_000; i++) await c.get(`repo-${i}`, 1000, load);
    expect(c.stats().size).toBe(3);
  });

  it("never drops a load still in flight", async () => {
    const c = new TtlCache(Date.now, 1);
    let release!: (v: number) => void;
    const slow = c.get("slow", 1000, () => new Promise<number>((r) => (release = r)));
    await c.get("x", 1000, async () => 1);
    const again = c.get("slow", 1000, async () => 99);
    release(7);
    expect(await slow).toBe(7);
    expect(await again).toBe(7);
  });
});
