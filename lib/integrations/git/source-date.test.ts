import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSourceDate } from "./source-date";

let repo: string;
const shas: Record<string, string> = {};
// Distinct committer times, deliberately not in wall-clock order with author times.
const T = { base: 1_700_000_000, api: 1_700_000_100, docker: 1_700_000_200, web: 1_700_000_300, readme: 1_700_000_400 };

function git(args: string[], env: Record<string, string> = {}) {
  return execFileSync("git", args, { cwd: repo, env: { ...process.env, ...env }, encoding: "utf8" }).trim();
}
function commitAt(name: string, seconds: number, files: Record<string, string>) {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    fs.writeFileSync(path.join(repo, f), text);
  }
  git(["add", "-A"]);
  const date = `@${seconds} +0000`;
  git(["commit", "-q", "-m", name], { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: "@1000000000 +0000" });
  shas[name] = git(["rev-parse", "HEAD"]);
}

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-srcdate-"));
  git(["init", "-q", "-b", "main"]);
  git(["config", "user.email", "t@example.com"]);
  git(["config", "user.name", "t"]);
  commitAt("base", T.base, { "api/app.txt": "1", "web/index.html": "1", "docker/web.Dockerfile": "FROM scratch" });
  commitAt("api", T.api, { "api/app.txt": "2" });
  commitAt("docker", T.docker, { "docker/web.Dockerfile": "FROM scratch\n" });
  commitAt("web", T.web, { "web/index.html": "2" });
  commitAt("readme", T.readme, { "README.md": "hi" });
});
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

describe("readSourceDate", () => {
  it("is the committer time of the last change to the context, not of the pushed commit", async () => {
    expect(await readSourceDate({ checkout: repo, commit: shas.readme, context: "api" })).toBe(T.api);
    expect(await readSourceDate({ checkout: repo, commit: shas.readme, context: "web" })).toBe(T.web);
  });

  it("reads history as of the given commit", async () => {
    expect(await readSourceDate({ checkout: repo, commit: shas.docker, context: "web" })).toBe(T.base);
    expect(await readSourceDate({ checkout: repo, commit: shas.base, context: "api" })).toBe(T.base);
  });

  it("includes a Dockerfile outside the context, and ignores one inside it", async () => {
    const args = { checkout: repo, commit: shas.docker, context: "web" };
    expect(await readSourceDate({ ...args, dockerfile: "docker/web.Dockerfile" })).toBe(T.docker);
    expect(await readSourceDate({ ...args, dockerfile: "web/Dockerfile" })).toBe(T.base);
  });

  it("uses the whole tree for the root context", async () => {
    expect(await readSourceDate({ checkout: repo, commit: shas.readme, context: "." })).toBe(T.readme);
  });

  it("fails clearly for a context no commit touches", async () => {
    await expect(readSourceDate({ checkout: repo, commit: shas.readme, context: "nope" })).rejects.toThrow(
      /no commit up to \w{7} touches nope/,
    );
  });

  it("leaves out what .dockerignore excludes, unless it has exceptions", async () => {
    commitAt("ignore", T.readme + 100, { ".dockerignore": "# docs are not in the image\n/docs\n*.md\n./tmp/\n" });
    const ignoreAt = T.readme + 100;
    commitAt("docs", ignoreAt + 100, { "docs/guide.txt": "g", "NOTES.md": "n", "tmp/x": "x", "api/README.md": "nested md is not *.md at the root" });
    const head = shas.docs;
    // api/README.md counts (Docker's "*.md" matches the context root only), so this commit moves the date.
    expect(await readSourceDate({ checkout: repo, commit: head, context: "." })).toBe(ignoreAt + 100);
    commitAt("docs2", ignoreAt + 200, { "docs/guide.txt": "g2", "README.md": "r2", "tmp/y": "y" });
    expect(await readSourceDate({ checkout: repo, commit: shas.docs2, context: "." })).toBe(ignoreAt + 100);
    commitAt("exception", ignoreAt + 300, { ".dockerignore": "docs\n!docs/keep.txt\n" });
    commitAt("docs3", ignoreAt + 400, { "docs/guide.txt": "g3" });
    expect(await readSourceDate({ checkout: repo, commit: shas.docs3, context: "." })).toBe(ignoreAt + 400);
  });

  it("refuses a shallow clone unless allowed", async () => {
    const shallow = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-shallow-"));
    try {
      execFileSync("git", ["clone", "-q", "--depth", "1", `file://${repo}`, shallow]);
      const args = { checkout: shallow, commit: "HEAD", context: "api" };
      await expect(readSourceDate(args)).rejects.toThrow(/shallow clone/);
      // This is the reason: the boundary commit looks like the last change to everything.
      expect(await readSourceDate({ ...args, allowShallow: true })).toBe(Number(git(["log", "-1", "--format=%ct"])));
    } finally {
      fs.rmSync(shallow, { recursive: true, force: true });
    }
  });
});
