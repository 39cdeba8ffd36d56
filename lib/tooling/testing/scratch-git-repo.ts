import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** A throwaway git repository for tests and benchmarks: `git(...)` runs in it, `commit(files, message)` returns the SHA. */
export function scratchGitRepo(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  git("config", "user.email", "t@example.com");
  git("config", "user.name", "t");
  const commit = (files: Record<string, string | Buffer>, message: string): string => {
    for (const [f, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), content);
    }
    git("add", "-A");
    git("commit", "-q", "-m", message);
    return git("rev-parse", "HEAD");
  };
  return { dir, git, commit };
}
