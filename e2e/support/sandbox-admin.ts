import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { E2E_SANDBOX_PORT } from "../../playwright.config";

export const sandboxUrl = `http://127.0.0.1:${E2E_SANDBOX_PORT}`;

/** Call an admin route of the e2e run's sandbox (faults, reset, ...). */
export async function sandboxAdmin(method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${sandboxUrl}${route}`, {
    method,
    headers: { authorization: "Bearer sandbox-admin-token", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Commit a change to a sandbox repository (acme/mcp-servers unless named) over git HTTP and push it to main, as a developer would. Returns the new SHA. */
export function pushCommit(files: Record<string, string>, message: string, repository = "acme/mcp-servers"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-e2e-git-"));
  try {
    const remote = `http://x-access-token:ghp_sandboxadmintoken@127.0.0.1:${E2E_SANDBOX_PORT}/${repository}.git`;
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=Octo Operator", "-c", "user.email=octo-operator@users.noreply.sandbox.local", ...args], { cwd: dir, encoding: "utf8" }).trim();
    git("clone", "--quiet", remote, ".");
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content);
    git("add", ".");
    git("commit", "--quiet", "--allow-empty", "-m", message);
    git("push", "--quiet", "origin", "HEAD:main");
    return git("rev-parse", "HEAD");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
