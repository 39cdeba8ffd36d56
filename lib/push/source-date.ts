import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The reproducible creation time of a service's image: the committer time (Unix seconds) of the last commit, up to
 * `commit`, that changed its build context, or its Dockerfile when that lives outside the context.
 * Using the commit time of the whole push instead would give every service a new image on every commit.
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
  const paths = [context];
  if (dockerfile && !isInside(dockerfile, context)) paths.push(dockerfile);
  // "--" keeps a path that looks like a revision from being read as one; literal pathspecs keep ":(glob)..." literal.
  const { stdout } = await git(checkout, ["--literal-pathspecs", "log", "-1", "--format=%ct", commit, "--", ...paths]);
  const seconds = Number(stdout.trim());
  if (!stdout.trim() || !Number.isSafeInteger(seconds)) {
    throw new Error(`no commit up to ${commit.slice(0, 7)} touches ${paths.join(" or ")}: is the build context committed?`);
  }
  return seconds;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.posix.relative(path.posix.normalize(dir), path.posix.normalize(file));
  return rel !== "" && !rel.startsWith("../") && rel !== ".." && !path.posix.isAbsolute(rel);
}

async function git(cwd: string, args: string[]) {
  try {
    return await run("git", args, { cwd, maxBuffer: 1 << 20 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`git ${args.join(" ")} failed: ${(e.stderr || e.message).trim()}`);
  }
}
