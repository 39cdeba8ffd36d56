import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Octokit } from "@octokit/rest";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../server";
import type { SandboxOptions } from "../../context";
import { ADMIN_TOKEN } from "../api";
import { SANDBOX_OAUTH_APP } from "../oauth";
import { preloadOpenApi, validateOctokit } from "./openapi-validator";

export interface GithubFixture {
  sb: RunningSandbox;
  dataDir: string;
  /** Octokit as the repository admin (administrator token), validated against the OpenAPI description. */
  octokit: Octokit;
  /** Octokit with a token issued to `login` through the OAuth web flow (scopes: repo, workflow unless given). */
  as(login: string, scopes?: string[]): Octokit;
  tokenFor(login: string, scopes?: string[]): string;
  /** Raw admin call to /_sandbox/... */
  admin(method: string, p: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * fetch, after letting due timers run. Tests share the process with the sandbox; after seconds of synchronous
 * work (compiling a large schema) the client's and the server's keep-alive timers are both overdue, and a request
 * written on the pooled socket before they run is reset by the server. Letting them run first closes it cleanly.
 */
export async function settledFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  await new Promise((r) => setTimeout(r, 0));
  return fetch(input, init);
}

const DEFAULT_SCOPES = ["repo", "workflow"];
const PRE_ISSUED: Array<[string, string[]]> = [
  ["octo-operator", DEFAULT_SCOPES],
  ["octo-viewer", DEFAULT_SCOPES],
  ["mallory", DEFAULT_SCOPES],
  ["octo-operator", ["read:user"]],
  // Organization secrets and variables need admin:org besides being an owner.
  ["octo-operator", ["repo", "admin:org"]],
  ["octo-viewer", ["repo", "admin:org"]],
];

/** Click "Continue as <login>" on the sandbox's authorize page and exchange the code, as a browser and Deckhand would. */
export async function issueToken(baseUrl: string, login: string, scopes: string[]): Promise<string> {
  const form = new URLSearchParams({ client_id: SANDBOX_OAUTH_APP.clientId, redirect_uri: SANDBOX_OAUTH_APP.callbackUrl, state: "s", scope: scopes.join(" "), login });
  const authorize = await fetch(`${baseUrl}/login/oauth/authorize`, { method: "POST", body: form, redirect: "manual" });
  const code = new URL(authorize.headers.get("location") ?? "").searchParams.get("code");
  if (!code) throw new Error(`OAuth authorize for ${login} gave no code (${authorize.status})`);
  const res = await fetch(`${baseUrl}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({ client_id: SANDBOX_OAUTH_APP.clientId, client_secret: SANDBOX_OAUTH_APP.clientSecret, code }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`OAuth token exchange for ${login} failed: ${JSON.stringify(body)}`);
  return body.access_token;
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
  const make = (auth: string) => validateOctokit(new Octokit({ auth, baseUrl: `${sb.url}/api/v3`, request: { retries: 0, fetch: settledFetch } }));
  // Tokens come from the sandbox's real OAuth web flow, one per person and scope set.
  const tokens = new Map<string, string>();
  for (const [login, scopes] of PRE_ISSUED) tokens.set(`${login} ${scopes.join(",")}`, await issueToken(sb.url, login, scopes));
  const tokenFor = (login: string, scopes = DEFAULT_SCOPES) => {
    const t = tokens.get(`${login} ${scopes.join(",")}`);
    if (!t) throw new Error(`no token pre-issued for ${login} with scopes ${scopes.join(",")}`);
    return t;
  };
  return {
    sb,
    dataDir,
    octokit: make(ADMIN_TOKEN),
    as: (login, scopes) => make(tokenFor(login, scopes)),
    tokenFor,
    admin: (method, p, body) =>
      settledFetch(`${sb.url}${p}`, {
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
