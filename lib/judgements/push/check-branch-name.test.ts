import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkBranchName } from "./check-branch-name";

const gitSays = (name: string) => {
  try {
    execFileSync("git", ["check-ref-format", "--branch", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

describe("checkBranchName", () => {
  const valid = ["main", "feature/x", "release-1.2", "a.b", "user@host", "v1", "x_y", "déploiement"];
  const invalid = [".", "..", "HEAD", "@", "-x", "a..b", ".hidden", "a/.b", "x.lock", "a/b.lock/c", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[b", "a\\b", "/a", "a/", "a//b", "a.", "a@{1}", "", "tab\tname"];

  it("agrees with git check-ref-format --branch", () => {
    for (const n of valid) {
      expect(checkBranchName(n), n).toBeNull();
      expect(gitSays(n), n).toBe(true);
    }
    for (const n of invalid) {
      expect(checkBranchName(n), n).not.toBeNull();
      // git resolves "HEAD" and "@" to the current branch in a repository; outside one it refuses them too.
      if (n && n !== "HEAD" && n !== "@") expect(gitSays(n), n).toBe(false);
    }
  });

  it("refuses full ref names and says what is wrong", () => {
    expect(checkBranchName("refs/heads/main")).toMatch(/without it/);
    expect(checkBranchName("..")).toMatch(/\.\./);
    expect(checkBranchName("HEAD")).toMatch(/not a branch/);
  });
});
