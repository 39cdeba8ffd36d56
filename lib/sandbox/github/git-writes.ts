import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SandboxContext } from "../context";
import { isoSeconds } from "./ecr-job";
import { git, listRefs, ZERO_SHA } from "./git";
import { afterPush } from "./push-event";
import { repoDir, type Repo } from "./repos";
import { findUser } from "./users";

/**
 * Writes into the sandbox's bare repositories for the REST endpoints that change git data (contents, refs,
 * merges). Each ref change goes through `updateRefAndNotify`, which moves the ref only if it still holds the
 * expected value and then runs the same side effects as a `git push` over HTTP (`afterPush`: push webhooks,
 * workflow triggers, pushed_at), so an API commit is indistinguishable from a pushed one.
 */

export interface Identity {
  name: string;
  email: string;
}

/** The commit identity of a sandbox user (GitHub commits API writes as the token's user). */
export function identityOf(ctx: SandboxContext, login: string): Identity {
  const u = findUser(ctx.db, login);
  return { name: u?.name ?? login, email: u?.email ?? `${login}@users.noreply.sandbox.local` };
}

function gitInput(dir: string, args: string[], input: Buffer | string, env: Record<string, string> = {}): string {
  return execFileSync("git", args, {
    cwd: dir,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...env },
    encoding: "utf8",
    input,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Blob sha and mode of a regular file at a commit, or null. */
export function fileAt(dir: string, commit: string, file: string): { sha: string; mode: string } | null {
  try {
    const [mode, type, sha] = git(dir, ["ls-tree", commit, "--", file]).trim().split(/\s+/);
    return type === "blob" && sha ? { sha, mode } : null;
  } catch {
    return null;
  }
}

/**
 * A new commit on top of `parent` whose tree is the parent's with `file` set to `content` (or removed when
 * content is null). Returns the commit sha; no ref moves.
 */
export function commitFileChange(ctx: SandboxContext, dir: string, opts: { parent: string; file: string; content: Buffer | null; message: string; author: Identity; committer: Identity }): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-index-"));
  const env = { GIT_INDEX_FILE: path.join(tmp, "index") };
  try {
    git(dir, ["read-tree", opts.parent], env);
    // Mode 0 through --index-info removes the entry (a bare repository has no work tree for --force-remove).
    if (opts.content === null) gitInput(dir, ["update-index", "--index-info"], `0 ${ZERO_SHA}\t${opts.file}\n`, env);
    else {
      const blob = gitInput(dir, ["hash-object", "-w", "--stdin"], opts.content).trim();
      git(dir, ["update-index", "--add", "--cacheinfo", `100644,${blob},${opts.file}`], env);
    }
    const tree = git(dir, ["write-tree"], env).trim();
    return commitTree(ctx, dir, { tree, parents: [opts.parent], message: opts.message, author: opts.author, committer: opts.committer });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `git commit-tree` with the sandbox clock as author and committer date. */
export function commitTree(ctx: SandboxContext, dir: string, opts: { tree: string; parents: string[]; message: string; author: Identity; committer: Identity }): string {
  const date = isoSeconds(ctx.now());
  const env = {
    GIT_AUTHOR_NAME: opts.author.name,
    GIT_AUTHOR_EMAIL: opts.author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: opts.committer.name,
    GIT_COMMITTER_EMAIL: opts.committer.email,
    GIT_COMMITTER_DATE: date,
  };
  const args = ["commit-tree", opts.tree, ...opts.parents.flatMap((p) => ["-p", p])];
  return gitInput(dir, args, opts.message, env).trim();
}

/** Tree of merging `head` into `base`, or null when they conflict (`git merge-tree --write-tree`, git ≥ 2.38). */
export function mergeTree(dir: string, base: string, head: string): string | null {
  try {
    return git(dir, ["merge-tree", "--write-tree", base, head]).trim().split("\n")[0] || null;
  } catch {
    return null;
  }
}

/**
 * Move `ref` (full name, e.g. `refs/heads/main`) from `expected` (ZERO_SHA: must not exist) to `next` (ZERO_SHA:
 * delete) atomically, then run the push side effects as `login`. Returns false, changing nothing, when the ref no
 * longer holds `expected`.
 */
export function updateRefAndNotify(ctx: SandboxContext, repo: Repo, login: string, ref: string, expected: string, next: string): boolean {
  const dir = repoDir(ctx, repo);
  const before = listRefs(dir);
  try {
    if (next === ZERO_SHA) git(dir, ["update-ref", "-d", ref, expected]);
    else git(dir, ["update-ref", ref, next, expected === ZERO_SHA ? "" : expected]);
  } catch {
    return false;
  }
  try {
    afterPush(ctx, repo, login, before, [{ ref, before: expected, after: next }]);
  } catch (err) {
    console.error("[sandbox] after-push handling failed:", err);
  }
  return true;
}
