import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { gitRootOf, presentedGitDate, realGitBound } from "./git-aging";

/** Small synchronous git plumbing over the sandbox's bare repositories (they are tiny; calls take milliseconds). */
export function git(dir: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync("git", args, {
    cwd: dir,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export const ZERO_SHA = "0".repeat(40);

export interface GitPerson {
  name: string;
  email: string;
  date: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
  message: string;
}

const SEP = "\x1f";
const END = "\x1e";
const FORMAT = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join(SEP) + END;

/** `git log` records, their dates as the aged world presents them (git-aging.ts). */
function parseCommits(out: string, dir: string): CommitInfo[] {
  const root = gitRootOf(dir);
  return out
    .split(END)
    .map((s) => s.replace(/^\n/, ""))
    .filter((s) => s.length > 0)
    .map((rec) => {
      const [sha, tree, parents, an, ae, ad, cn, ce, cd, body] = rec.split(SEP);
      return {
        sha,
        tree,
        parents: parents ? parents.split(" ") : [],
        author: { name: an, email: ae, date: presentedGitDate(root, ad) },
        committer: { name: cn, email: ce, date: presentedGitDate(root, cd) },
        message: (body ?? "").replace(/\n+$/, ""),
      };
    });
}

/**
 * The commit `refs/heads/<branch>` names in the repository's packed-refs file ("<sha> <refname>" lines, "#" header,
 * "^<sha>" peeled lines after annotated tags: gitrepository-layout(5), git-pack-refs(1)), or null when absent.
 */
function packedBranch(dir: string, branch: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, "packed-refs"), "utf8");
  } catch {
    return null;
  }
  const name = `refs/heads/${branch}`;
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space === 40 && line.slice(41) === name && /^[0-9a-f]{40}$/.test(line.slice(0, 40))) return line.slice(0, 40);
  }
  return null;
}

/** Resolve a branch, tag or (abbreviated) sha to a commit sha, or null. */
export function resolveRef(dir: string, ref: string): string | null {
  if (!/^[\w./-]+$/.test(ref) || ref.startsWith("-")) return null;
  // A branch's loose ref file names its commit: read without spawning git (one spawn per contents request was most of
  // a 200-repository Fleet read's time). Packed refs, tags and expressions go through git below.
  if (!ref.split("/").includes("..")) {
    try {
      const sha = fs.readFileSync(path.join(dir, "refs", "heads", ref), "utf8").trim();
      if (/^[0-9a-f]{40}$/.test(sha)) return sha;
    } catch {
      // not a loose branch ref
    }
    // No loose file: git's next place for the branch is packed-refs (a `clone --bare`, as the seed's repositories
    // are, packs every ref there; a loose file, when present, wins, as it does for git).
    const packed = packedBranch(dir, ref);
    if (packed) return packed;
  }
  for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`, ref]) {
    try {
      return git(dir, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`]).trim();
    } catch {
      // try the next form
    }
  }
  return null;
}

export function readCommit(dir: string, sha: string): CommitInfo | null {
  try {
    return parseCommits(git(dir, ["log", "-1", `--format=${FORMAT}`, sha]), dir)[0] ?? null;
  } catch {
    return null;
  }
}

export function logCommits(dir: string, args: { from: string[]; skip?: number; max?: number; since?: string; until?: string; path?: string; not?: string[]; author?: string }): CommitInfo[] {
  const a = ["log", `--format=${FORMAT}`];
  if (args.author) a.push(`--author=${args.author}`, "--fixed-strings");
  if (args.skip) a.push(`--skip=${args.skip}`);
  if (args.max !== undefined) a.push(`--max-count=${args.max}`);
  if (args.since) a.push(`--since=${realGitBound(gitRootOf(dir), args.since, "since")}`);
  if (args.until) a.push(`--until=${realGitBound(gitRootOf(dir), args.until, "until")}`);
  a.push(...args.from);
  if (args.not?.length) a.push("--not", ...args.not);
  if (args.path) a.push("--", args.path);
  else a.push("--");
  return parseCommits(git(dir, a), dir);
}

export function countCommits(dir: string, args: { from: string[]; since?: string; until?: string; path?: string; author?: string }): number {
  const a = ["rev-list", "--count"];
  if (args.author) a.push(`--author=${args.author}`, "--fixed-strings");
  if (args.since) a.push(`--since=${realGitBound(gitRootOf(dir), args.since, "since")}`);
  if (args.until) a.push(`--until=${realGitBound(gitRootOf(dir), args.until, "until")}`);
  a.push(...args.from, "--");
  if (args.path) a.push(args.path);
  return Number(git(dir, a).trim());
}

export interface FileChange {
  status: "added" | "removed" | "modified" | "renamed";
  filename: string;
  additions: number;
  deletions: number;
}

/** Files a commit changed relative to its first parent (or the empty tree for a root commit). */
export function commitChanges(dir: string, sha: string): FileChange[] {
  const base = ["show", "--no-renames", "--format=", "-m", "--first-parent"];
  const status = git(dir, [...base, "--name-status", sha]).trim();
  const numstat = git(dir, [...base, "--numstat", sha]).trim();
  const counts = new Map<string, [number, number]>();
  for (const line of numstat ? numstat.split("\n") : []) {
    const [a, d, f] = line.split("\t");
    counts.set(f, [Number(a) || 0, Number(d) || 0]);
  }
  return (status ? status.split("\n") : []).map((line) => {
    const [s, f] = line.split("\t");
    const [additions, deletions] = counts.get(f) ?? [0, 0];
    return { status: s === "A" ? "added" : s === "D" ? "removed" : "modified", filename: f, additions, deletions };
  });
}

export function listRefs(dir: string): Map<string, string> {
  const out = git(dir, ["for-each-ref", "--format=%(objectname) %(refname)"]).trim();
  const refs = new Map<string, string>();
  for (const line of out ? out.split("\n") : []) {
    const [sha, name] = line.split(" ");
    refs.set(name, sha);
  }
  return refs;
}

export function readFileAt(dir: string, sha: string, file: string): string | null {
  try {
    return git(dir, ["show", `${sha}:${file}`]);
  } catch {
    return null;
  }
}

export function listFilesAt(dir: string, sha: string, under: string): string[] {
  try {
    const out = git(dir, ["ls-tree", "--name-only", `${sha}:${under}`]).trim();
    return out ? out.split("\n").map((f) => `${under}/${f}`) : [];
  } catch {
    return [];
  }
}

export function isAncestor(dir: string, a: string, b: string): boolean {
  try {
    git(dir, ["merge-base", "--is-ancestor", a, b]);
    return true;
  } catch {
    return false;
  }
}
