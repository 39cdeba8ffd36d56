import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Octokit } from "@octokit/rest";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../server";
import type { SandboxOptions } from "../../context";
import { ADMIN_TOKEN } from "../api";
import { preloadOpenApi, validateOctokit } from "./openapi-validator";

export interface GithubFixture {
  sb: RunningSandbox;
  dataDir: string;
  /** Octokit as the repository admin (administrator token), validated against the OpenAPI description. */
  octokit: Octokit;
  /** Octokit with a token issued to `login` through the OAuth flow's tables (scopes: repo, workflow). */
  as(login: string, scopes?: string[]): Octokit;
  tokenFor(login: string, scopes?: string[]): string;
  /** Raw admin call to /_sandbox/... */
  admin(method: string, p: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startGithubFixture(overrides: Partial<SandboxOptions> = {}): Promise<GithubFixture> {
  preloadOpenApi();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-github-"));
  const sb = await startSandbox(defaultSandboxOptions({
      port: 0,
      dataDir,
      keyPropagationMs: 50,
      // The seeded Deckhand hook must not reach a real dev server on :3000 from tests; port 9 refuses.
      deckhandUrl: "http://127.0.0.1:9",
      ...overrides,
    }),
  );
  const make = (auth: string) => validateOctokit(new Octokit({ auth, baseUrl: `${sb.url}/api/v3`, request: { retries: 0 } }));
  const tokenFor = (login: string, scopes = ["repo", "workflow"]) => {
    const token = `gho_test${login.replace(/\W/g, "")}${Math.random().toString(36).slice(2, 12)}`;
    sb.ctx.db.prepare(`INSERT INTO gh_tokens (token, login, scopes, client_id, created_at) VALUES (?, ?, ?, NULL, ?)`).run(token, login, scopes.join(","), new Date().toISOString());
    return token;
  };
  return {
    sb,
    dataDir,
    octokit: make(ADMIN_TOKEN),
    as: (login, scopes) => make(tokenFor(login, scopes)),
    tokenFor,
    admin: (method, p, body) =>
      fetch(`${sb.url}${p}`, {
        method,
        headers: { authorization: `Bearer ${sb.ctx.options.adminToken}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async close() {
      await sb.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Poll until `fn` returns a truthy value (background runs and deliveries take a moment). */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
