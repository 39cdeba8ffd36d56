import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, resolveRef } from "./git";

// resolveRef answers branches from the ref files (loose, then packed-refs) without spawning git: it must answer
// what `git rev-parse` answers, for a cloned (packed) repository and after a branch moved (loose file wins).
describe("resolveRef", () => {
  let root: string;
  let bare: string;
  let work: string;
  const env = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
  const commit = (msg: string) => {
    fs.writeFileSync(path.join(work, "f.txt"), msg);
    git(work, ["add", "f.txt"]);
    git(work, ["commit", "-q", "-m", msg], env);
    return git(work, ["rev-parse", "HEAD"]).trim();
  };

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-git-test-"));
    work = path.join(root, "work");
    fs.mkdirSync(work);
    git(work, ["init", "-q", "-b", "main"]);
    commit("one");
    git(work, ["branch", "feature"]);
    git(work, ["tag", "-a", "v1", "-m", "v1"], env);
    bare = path.join(root, "bare.git");
    git(root, ["clone", "-q", "--bare", work, bare]);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("reads a cloned repository's branches from packed-refs, as git does", () => {
    expect(fs.existsSync(path.join(bare, "refs", "heads", "main"))).toBe(false);
    expect(fs.readFileSync(path.join(bare, "packed-refs"), "utf8")).toContain("refs/heads/main");
    for (const ref of ["main", "feature"]) expect(resolveRef(bare, ref)).toBe(git(bare, ["rev-parse", `refs/heads/${ref}^{commit}`]).trim());
  });

  it("prefers a branch's loose file over its stale packed line", () => {
    const moved = commit("two");
    git(work, ["push", "-q", bare, "main"]);
    expect(fs.readFileSync(path.join(bare, "refs", "heads", "main"), "utf8").trim()).toBe(moved);
    expect(resolveRef(bare, "main")).toBe(moved);
  });

  it("still resolves tags (peeled to the commit), shas, and refuses unknown or hostile refs", () => {
    const tagged = git(bare, ["rev-parse", "v1^{commit}"]).trim();
    expect(resolveRef(bare, "v1")).toBe(tagged);
    expect(resolveRef(bare, tagged.slice(0, 12))).toBe(tagged);
    expect(resolveRef(bare, "nope")).toBeNull();
    expect(resolveRef(bare, "../../etc/passwd")).toBeNull();
    expect(resolveRef(bare, "--all")).toBeNull();
  });
});
