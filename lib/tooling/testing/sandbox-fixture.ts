import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../../sandbox/server";
import type { SandboxOptions } from "../../sandbox/context";
import { SANDBOX_ADMIN_TOKEN, SANDBOX_AWS_ADMIN, SANDBOX_GITHUB_ADMIN_TOKEN, SANDBOX_REPOSITORY } from "../../sandbox/constants";
import { createAwsClients } from "../../integrations/clients/aws-clients";
import { createGitHubClient } from "../../integrations/clients/github-client";
import type { Clients } from "../../integrations/clients";
import { preloadOpenApi, validateOctokit } from "../../sandbox/github/test-support/openapi-validator";

export interface TestSandbox {
  sandbox: RunningSandbox;
  url: string;
  dataDir: string;
  /** Deckhand's clients as sandbox mode builds them (AWS administrator key, GitHub admin token). */
  clients: Clients;
  /** Clients signed with another access key (e.g. the push user's). */
  awsAs(credentials: { accessKeyId: string; secretAccessKey: string }): Clients["aws"];
  /** Call a /_sandbox admin route (faults, reset, secrets...). */
  admin(method: string, route: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real sandbox over real HTTP on a free port with its own temp data dir, for tests of anything that
 * talks to AWS or GitHub. Never mock SDK clients: hand these in.
 */
export async function startTestSandbox(
  overrides: Partial<SandboxOptions> = {},
  opts: { validateGitHubOpenApi?: boolean } = {},
): Promise<TestSandbox> {
  // Checking Deckhand's own GitHub traffic against GitHub's OpenAPI description: the (large) description
  // is parsed before the sandbox starts, so the pause cannot stall the sandbox's own connections.
  if (opts.validateGitHubOpenApi) preloadOpenApi();
  const dataDir = overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-sbx-"));
  const sandbox = await startSandbox(defaultSandboxOptions({ port: 0, dataDir, keyPropagationMs: 200, deckhandUrl: "http://127.0.0.1:9", ...overrides }));
  const url = sandbox.url;
  const [owner, repo] = SANDBOX_REPOSITORY.split("/");
  const awsAs = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
    createAwsClients({ region: "us-east-1", endpoint: url, credentials, maxAttempts: 3 });
  const github = createGitHubClient({ baseUrl: `${url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } });
  if (opts.validateGitHubOpenApi) validateOctokit(github as unknown as Parameters<typeof validateOctokit>[0]);
  return {
    sandbox,
    url,
    dataDir,
    clients: { aws: awsAs(SANDBOX_AWS_ADMIN), github, repo: { owner, repo } },
    awsAs,
    admin: (method, route, body) =>
      fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${SANDBOX_ADMIN_TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async close() {
      await sandbox.close();
      if (!overrides.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
