import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { redact } from "../../errors";
import { withoutCredentials } from "../build/isolation/build-env";

const run = promisify(execFile);

export interface Checkout {
  /** Working tree at the commit, with the mirror's full history behind it (readSourceDate needs it). */
  dir: string;
  commit: string;
  /** Whether the mirror had to fetch (false: the commit was already there). */
  fetched: boolean;
  dispose(): Promise<void>;
}

/**
 * Checks a commit out from a cached bare mirror of the repository, fetching only what is new. The token travels in
 * an Authorization header set through GIT_CONFIG_* environment variables: never in the URL, the mirror's config,
 * argv (visible in ps) or logs. GitHub accepts Basic auth with the token as password.
 * Mirror updates are serialised per mirror within this process; git's own lock files guard across processes.
 */
export async function checkoutCommit({
  mirrorsDir,
  remoteUrl,
  token,
  commit,
  into,
  onLog = () => {},
}: {
  mirrorsDir: string;
  /** https://github.com/owner/repo.git (no credentials in it). */
  remoteUrl: string;
  token?: string;
  /** Full 40-hex SHA (from the push's `after`) or a ref to resolve on the remote. */
  commit: string;
  /** Directory to create the working tree in; must not exist. */
  into: string;
  onLog?: (line: string) => void;
}): Promise<Checkout> {
  const mirror = mirrorPath(mirrorsDir, remoteUrl);
  const env = gitEnv(token);
  return serialise(mirror, async () => {
    let fetched = false;
    if (!(await exists(path.join(mirror, "HEAD")))) {
      onLog(`creating mirror of ${redact(remoteUrl)}`);
      await fs.mkdir(path.dirname(mirror), { recursive: true });
      const tmp = `${mirror}.tmp-${crypto.randomBytes(4).toString("hex")}`;
      await git(["init", "--quiet", "--bare", tmp], env);
      await git(["--git-dir", tmp, "config", "remote.origin.url", remoteUrl], env);
      // Branches and tags as they are on the remote; --prune keeps deleted branches from pinning history.
      await git(["--git-dir", tmp, "config", "remote.origin.fetch", "+refs/heads/*:refs/heads/*"], env);
      await git(["--git-dir", tmp, "config", "--add", "remote.origin.fetch", "+refs/tags/*:refs/tags/*"], env);
      await fs.rename(tmp, mirror).catch(async (err) => {
        await fs.rm(tmp, { recursive: true, force: true });
        if (!(await exists(path.join(mirror, "HEAD")))) throw err;
      });
    }
    const isSha = /^[0-9a-f]{40}$/.test(commit);
    if (!isSha || !(await hasCommit(mirror, commit, env))) {
      onLog(`fetching ${redact(remoteUrl)}`);
      const t = Date.now();
      await git(["--git-dir", mirror, "fetch", "--quiet", "--prune", "origin"], env);
      // A commit no branch reaches any more (force-pushed away) can still be fetched by SHA from GitHub.
      if (isSha && !(await hasCommit(mirror, commit, env))) {
        await git(["--git-dir", mirror, "fetch", "--quiet", "origin", commit], env).catch((err: Error) => {
          throw new Error(`commit ${commit} not found in ${redact(remoteUrl)} (${err.message})`);
        });
      }
      fetched = true;
      onLog(`fetched in ${Date.now() - t} ms`);
    }
    const sha = (await git(["--git-dir", mirror, "rev-parse", "--verify", "--quiet", `${commit}^{commit}`], env).catch(() => "")).trim();
    if (!sha) throw new Error(`commit ${commit} not found in ${redact(remoteUrl)}`);
    await git(["--git-dir", mirror, "worktree", "add", "--quiet", "--detach", into, sha], env);
    onLog(`checked out ${sha.slice(0, 7)}`);
    return {
      dir: into,
      commit: sha,
      fetched,
      dispose: () =>
        serialise(mirror, async () => {
          await git(["--git-dir", mirror, "worktree", "remove", "--force", into], env).catch(() => undefined);
          await fs.rm(into, { recursive: true, force: true });
          await git(["--git-dir", mirror, "worktree", "prune"], env).catch(() => undefined);
        }),
    };
  });
}

/** One mirror directory per remote, named so that owners and repositories cannot collide or escape. */
export function mirrorPath(mirrorsDir: string, remoteUrl: string): string {
  const u = new URL(remoteUrl);
  const slug = `${u.host}${u.pathname}`.replace(/\.git$/, "").replace(/[^A-Za-z0-9._-]+/g, "_");
  const hash = crypto.createHash("sha256").update(`${u.host}${u.pathname}`).digest("hex").slice(0, 8);
  return path.join(mirrorsDir, `${slug}-${hash}.git`);
}

function gitEnv(token: string | undefined): NodeJS.ProcessEnv {
  // git sees the worker's environment without Deckhand's credentials and settings: only the token below.
  const env: NodeJS.ProcessEnv = { ...withoutCredentials(process.env), GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" };
  const entries: [string, string][] = [
    ["credential.helper", ""],
    ["protocol.version", "2"],
  ];
  if (token) {
    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    entries.push(["http.extraHeader", `Authorization: Basic ${basic}`]);
  }
  env.GIT_CONFIG_COUNT = String(entries.length);
  entries.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

async function hasCommit(mirror: string, sha: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return git(["--git-dir", mirror, "cat-file", "-e", `${sha}^{commit}`], env).then(
    () => true,
    () => false,
  );
}

async function git(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run("git", args, { env, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    const shown = args.filter((a, i) => a !== "--git-dir" && args[i - 1] !== "--git-dir" && a !== "--quiet").slice(0, 3);
    const detail = redact((e.stderr || e.message).trim());
    // With our header refused, git falls back to asking for a user name, which it may not do here.
    const why = /could not read (Username|Password)|Authentication failed|terminal prompts disabled/.test(detail)
      ? "the remote refused the credentials (is the GitHub token valid, with access to this repository?)"
      : detail;
    throw new Error(`git ${shown.join(" ")} failed: ${why}`);
  }
}

const queues = new Map<string, Promise<unknown>>();
function serialise<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
