import { execFile } from "node:child_process";
import path from "node:path";
import { PathMissingError, readFileInside } from "./contain-path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The reproducible creation time of a service's image: the committer time (Unix seconds) of the last commit, up to
 * `commit`, that changed its build context, or its Dockerfile when that lives outside the context.
 * Using the commit time of the whole push instead would give every service a new image on every commit.
 *
 * Paths the context's .dockerignore excludes are left out (a root context "." would otherwise change with every
 * README edit). That is safe in both directions: a change to a file that really ends up in the image changes its
 * layers, and so its digest, whatever the date says.
 *
 * A shallow clone makes git report the shallow boundary as the last change to everything, so every image would
 * change; that is refused unless `allowShallow` is set.
 */
export async function readSourceDate({
  checkout,
  commit,
  context,
  dockerfile,
  allowShallow = false,
}: {
  /** A working tree at `commit`: the .dockerignore is read from it. */
  checkout: string;
  commit: string;
  /** Relative to the checkout root, "." for the root. */
  context: string;
  /** Relative to the checkout root. */
  dockerfile?: string;
  allowShallow?: boolean;
}): Promise<number> {
  if (!allowShallow) {
    const { stdout } = await git(checkout, ["rev-parse", "--is-shallow-repository"]);
    if (stdout.trim() === "true") {
      throw new Error("the checkout is a shallow clone: image creation times would not be reproducible; fetch full history");
    }
  }
  const ctx = path.posix.normalize(context);
  const includes = [ctx, ...(dockerfile ? [path.posix.normalize(dockerfile)] : [])];
  const excludes = await readDockerignoreExcludes(checkout, ctx, dockerfile);
  const pathspecs = [...includes.map((p) => `:(literal)${p}`), ...excludes];
  const { stdout } = await git(checkout, ["log", "-1", "--format=%ct", commit, "--", ...pathspecs]);
  const seconds = Number(stdout.trim());
  if (!stdout.trim() || !Number.isSafeInteger(seconds)) {
    throw new Error(`no commit up to ${commit.slice(0, 7)} touches ${includes.join(" or ")}: is the build context committed?`);
  }
  return seconds;
}

/**
 * Git exclude pathspecs for a .dockerignore (`<Dockerfile>.dockerignore` first, as BuildKit does, else the
 * context's). Docker's patterns and git's glob magic agree on '*', '?', '[...]' and '**'; a pattern also excludes
 * everything under a matching directory. Exceptions ('!pattern') cannot be expressed as excludes, so a file with
 * any yields none: the whole context counts, as before.
 */
export async function readDockerignoreExcludes(checkout: string, context: string, dockerfile?: string): Promise<string[]> {
  const candidates = [...(dockerfile ? [`${dockerfile}.dockerignore`] : []), path.posix.join(context, ".dockerignore")];
  let text: string | undefined;
  for (const c of candidates) {
    // Contained: a .dockerignore linked to a host file is refused (PathEscapeError), not read.
    text = await readFileInside(checkout, c).catch((err) => {
      if (err instanceof PathMissingError) return undefined;
      throw err;
    });
    if (text !== undefined) break;
  }
  if (text === undefined) return [];
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (line.startsWith("!")) return [];
    const clean = path.posix.normalize(line.replace(/^(\.?\/)+/, "")).replace(/\/+$/, "");
    // Patterns reaching out of the context, or matching all of it, exclude nothing we can express safely.
    if (clean === "." || clean === ".." || clean.startsWith("../") || clean === "**" || clean === "*") continue;
    const full = context === "." ? clean : `${context}/${clean}`;
    patterns.push(`:(exclude,glob)${full}`, `:(exclude,glob)${full}/**`);
  }
  return patterns;
}

async function git(cwd: string, args: string[]) {
  try {
    return await run("git", args, { cwd, maxBuffer: 1 << 20 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`git ${args.slice(0, 3).join(" ")} failed: ${(e.stderr || e.message).trim()}`);
  }
}
