import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SANDBOX_GITHUB_ADMIN_TOKEN, SANDBOX_REPOSITORY } from "../../sandbox/constants";

const exec = promisify(execFile);

/**
 * A clone of the sandbox's seeded repository in `dir`, as its admin, and a git runner in it that commits as a
 * developer. Asynchronous on purpose: tests may serve git from their own process.
 */
export async function cloneSandboxRepo(sandboxUrl: string, dir: string, repository: string = SANDBOX_REPOSITORY): Promise<(...args: string[]) => Promise<string>> {
  await exec("git", ["-c", "credential.helper=", "clone", "-q", `${sandboxUrl.replace("http://", `http://x-access-token:${SANDBOX_GITHUB_ADMIN_TOKEN}@`)}/${repository}.git`, dir]);
  return async (...args: string[]) =>
    (await exec("git", ["-c", "credential.helper=", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", ...args], { cwd: dir })).stdout.trim();
}
