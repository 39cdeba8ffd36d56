import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../sandbox/server";
import { ADMIN_TOKEN } from "../../sandbox/github/api";
import { checkoutCommit, mirrorPath } from "./checkout-commit";
import { readCompose } from "./read-compose";
import { readSourceDate } from "./source-date";

let tmp: string;
let origin: string;
let clock = 1_700_000_000;

function git(cwd: string, ...args: string[]) {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_COMMITTER_DATE: `@${clock} +0000`, GIT_AUTHOR_DATE: `@${clock} +0000` } }).trim();
}
function commit(files: Record<string, string>): string {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(origin, f)), { recursive: true });
    fs.writeFileSync(path.join(origin, f), text);
  }
  clock += 100;
  git(origin, "add", "-A");
  git(origin, "commit", "-q", "-m", `at ${clock}`);
  return git(origin, "rev-parse", "HEAD");
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-checkout-"));
  origin = path.join(tmp, "origin");
  fs.mkdirSync(origin);
  git(origin, "init", "-q", "-b", "main");
  git(origin, "config", "user.email", "t@example.com");
  git(origin, "config", "user.name", "t");
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("checkoutCommit from a local remote", () => {
  const mirrorsDir = () => path.join(tmp, "mirrors");
  const url = () => `file://${origin}`;

  it("mirrors once, then fetches only when the commit is new, with history for source dates", async () => {
    const c1 = commit({ "api/a.txt": "1", "web/b.txt": "1" });
    const first = await checkoutCommit({ mirrorsDir: mirrorsDir(), remoteUrl: url(), commit: c1, into: path.join(tmp, "wt1") });
    expect(first).toMatchObject({ commit: c1, fetched: true });
    expect(fs.readFileSync(path.join(first.dir, "api/a.txt"), "utf8")).toBe("1");

    const again = await checkoutCommit({ mirrorsDir: mirrorsDir(), remoteUrl: url(), commit: c1, into: path.join(tmp, "wt2") });
    expect(again.fetched).toBe(false);

    const c2 = commit({ "api/a.txt": "2" });
    const second = await checkoutCommit({ mirrorsDir: mirrorsDir(), remoteUrl: url(), commit: c2, into: path.join(tmp, "wt3") });
    expect(second).toMatchObject({ commit: c2, fetched: true });
    expect(fs.readFileSync(path.join(second.dir, "api/a.txt"), "utf8")).toBe("2");
    // The worktree sees the mirror's history: web last changed in c1.
    expect(await readSourceDate({ checkout: second.dir, commit: c2, context: "web" })).toBe(clock - 100);
    expect(await readSourceDate({ checkout: second.dir, commit: c2, context: "api" })).toBe(clock);

    for (const c of [first, again, second]) await c.dispose();
    expect(fs.existsSync(path.join(tmp, "wt1"))).toBe(false);
    const worktrees = git(tmp, "--git-dir", mirrorPath(mirrorsDir(), url()), "worktree", "list");
    expect(worktrees.split("\n")).toHaveLength(1); // only the bare mirror itself
  });

  it("serves concurrent checkouts of different commits from one mirror", async () => {
    const a = commit({ "x.txt": "a" });
    const b = commit({ "x.txt": "b" });
    const [ca, cb] = await Promise.all([
      checkoutCommit({ mirrorsDir: mirrorsDir(), remoteUrl: url(), commit: a, into: path.join(tmp, "ca") }),
      checkoutCommit({ mirrorsDir: mirrorsDir(), remoteUrl: url(), commit: b, into: path.join(tmp, "cb") }),
    ]);
    expect(fs.readFileSync(path.join(ca.dir, "x.txt"), "utf8")).toBe("a");
    expect(fs.readFileSync(path.join(cb.dir, "x.txt"), "utf8")).toBe("b");
    await Promise.all([ca.dispose(), cb.dispose()]);
  });

  it("resolves a branch name, and fails clearly for an unknown commit", async () => {
    const head = git(origin, "rev-parse", "HEAD");
    const byRef = await checkoutCommit({ mirrorsDir: mirrorsDir(), remoteUrl: url(), commit: "main", into: path.join(tmp, "byref") });
    expect(byRef.commit).toBe(head);
    await byRef.dispose();
    await expect(
      checkoutCommit({ mirrorsDir: mirrorsDir(), remoteUrl: url(), commit: "f".repeat(40), into: path.join(tmp, "nope") }),
    ).rejects.toThrow(/^commit f{40} not found in file:\/\//);
  });

  it("keeps mirrors of different repositories apart", () => {
    const a = mirrorPath("/m", "https://github.com/acme/shop.git");
    expect(a).toMatch(/^\/m\/github\.com_acme_shop-[0-9a-f]{8}\.git$/);
    expect(mirrorPath("/m", "https://github.com/acme/shop")).not.toBe(mirrorPath("/m", "https://github.com/acme-shop"));
    expect(path.dirname(mirrorPath("/m", "https://github.com/../../etc/passwd"))).toBe("/m");
  });
});

describe("checkoutCommit over the sandbox's git HTTP with a token", () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox(defaultSandboxOptions({ port: 0, dataDir: path.join(tmp, "sandbox"), keyPropagationMs: 50, deckhandUrl: "http://127.0.0.1:9" }), { reset: true });
  });
  afterAll(async () => sb?.close());

  it("fetches the private seeded repository with the token in a header only", async () => {
    const remoteUrl = `${sb.url}/acme/mcp-servers.git`;
    const logs: string[] = [];
    const co = await checkoutCommit({ mirrorsDir: path.join(tmp, "sb-mirrors"), remoteUrl, token: ADMIN_TOKEN, commit: "main", into: path.join(tmp, "sbwt"), onLog: (l) => logs.push(l) });
    expect(co.commit).toMatch(/^[0-9a-f]{40}$/);
    const plan = await readCompose({ root: co.dir });
    expect(plan.builds.length).toBeGreaterThan(0);
    const config = fs.readFileSync(path.join(mirrorPath(path.join(tmp, "sb-mirrors"), remoteUrl), "config"), "utf8");
    expect(config).not.toContain(ADMIN_TOKEN);
    expect(logs.join("\n")).not.toContain(ADMIN_TOKEN);
    await co.dispose();
  });

  it("fails without leaking a wrong token", async () => {
    const remoteUrl = `${sb.url}/acme/mcp-servers.git`;
    const err = await checkoutCommit({ mirrorsDir: path.join(tmp, "sb-bad"), remoteUrl, token: "gho_wrongtoken123", commit: "main", into: path.join(tmp, "sbbad") }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^git fetch --prune origin failed: the remote refused the credentials/);
    expect(err.message).not.toContain("gho_wrongtoken123");
  });
});
