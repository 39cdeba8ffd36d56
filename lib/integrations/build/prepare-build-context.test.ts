import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepareBuildContext } from "./prepare-build-context";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-prep-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("prepareBuildContext", () => {
  it("normalises modes and mtimes, keeps symlinks, leaves out the top-level .git", async () => {
    const from = path.join(root, "src");
    fs.mkdirSync(path.join(from, ".git"), { recursive: true });
    fs.mkdirSync(path.join(from, "sub/.git"), { recursive: true });
    fs.writeFileSync(path.join(from, ".git/HEAD"), "ref");
    fs.writeFileSync(path.join(from, "sub/.git/keep"), "x");
    fs.writeFileSync(path.join(from, "a.txt"), "a", { mode: 0o600 });
    fs.writeFileSync(path.join(from, "sub/run"), "#!/bin/sh", { mode: 0o700 });
    fs.chmodSync(path.join(from, "sub"), 0o700);
    fs.symlinkSync("a.txt", path.join(from, "link"));
    const to = path.join(root, "dst");
    await prepareBuildContext({ from, to, sourceDate: 1_600_000_000 });
    const mode = (p: string) => fs.lstatSync(path.join(to, p)).mode & 0o7777;
    expect(fs.readdirSync(to).sort()).toEqual(["a.txt", "link", "sub"]);
    expect(fs.readdirSync(path.join(to, "sub")).sort()).toEqual([".git", "run"]);
    expect([mode("a.txt"), mode("sub"), mode("sub/run"), mode(".")]).toEqual([0o644, 0o755, 0o755, 0o755]);
    expect(fs.readlinkSync(path.join(to, "link"))).toBe("a.txt");
    for (const p of ["a.txt", "sub", "sub/run", "link"]) expect(fs.lstatSync(path.join(to, p)).mtimeMs).toBe(1_600_000_000_000);
    expect(fs.readFileSync(path.join(to, "a.txt"), "utf8")).toBe("a");
  });
});
