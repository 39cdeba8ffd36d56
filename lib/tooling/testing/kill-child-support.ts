// Kill tests run an operation (a rotation, a guided setup) in a real child process that SIGKILLs itself at
// a failpoint (DECKHAND_FAILPOINT), then resume it in the test process. Both halves of that live here.

import { spawn } from "node:child_process";
import { createAwsClients } from "../../integrations/clients/aws-clients";
import { createGitHubClient } from "../../integrations/clients/github-client";
import { parseConfig } from "../../infra/config/env";
import { openDb } from "../../infra/db/open-db";
import { SANDBOX_AWS_ADMIN, SANDBOX_GITHUB_ADMIN_TOKEN, SANDBOX_REPOSITORY } from "../../sandbox/constants";
import type { OperationContext } from "../../operations/context";
import { TtlCache } from "../../infra/cache/ttl-cache";
import type { RotationExtras } from "../../operations/rotation/rotate-access-key";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** In the test: run `script` with `node --import tsx` (not the tsx wrapper, so the killed process is the child itself). */
export function runKillChild(script: string, env: { sandboxUrl: string; dataDir: string; failpoint: string; repository?: string; repositories?: string }): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, KILL_CHILD_SANDBOX_URL: env.sandboxUrl, KILL_CHILD_DATA_DIR: env.dataDir, DECKHAND_FAILPOINT: env.failpoint, KILL_CHILD_REPOSITORY: env.repository ?? "", KILL_CHILD_REPOSITORIES: env.repositories ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

/** In the child: Deckhand's context against the test's sandbox and store, with the rotation's short test windows. */
export function killChildContext(): { ctx: OperationContext; rotation: RotationExtras } {
  const url = process.env.KILL_CHILD_SANDBOX_URL!;
  const dir = process.env.KILL_CHILD_DATA_DIR!;
  const [owner, repo] = (process.env.KILL_CHILD_REPOSITORY || SANDBOX_REPOSITORY).split("/");
  const awsAs = (credentials: { accessKeyId: string; secretAccessKey: string }) => createAwsClients({ region: "us-east-1", endpoint: url, credentials, maxAttempts: 3 });
  const clients = {
    aws: awsAs(SANDBOX_AWS_ADMIN),
    github: createGitHubClient({ baseUrl: `${url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } }),
    repo: { owner, repo },
  };
  const ctx: OperationContext = { clients, actor: { login: "octo-operator", role: "operator" }, db: openDb(dir), config: parseConfig({ DECKHAND_DATA_DIR: dir, ...(process.env.KILL_CHILD_REPOSITORIES ? { GITHUB_REPOSITORIES: process.env.KILL_CHILD_REPOSITORIES } : {}) }), cache: new TtlCache() };
  const rotation: RotationExtras = {
    awsAs: (c) => {
      const a = awsAs(c);
      return { sts: a.sts, ecr: a.ecr };
    },
    options: { verifyTimeoutMs: 5000, verifyPollMs: 100, canaryPollMs: 100, canaryTimeoutMs: 20_000, backoffMs: 50, leaseMs: 60_000 },
  };
  return { ctx, rotation };
}

/** In the child: report a failure that is not the failpoint (the test then sees exit code 2, not SIGKILL). */
export function runChildMain(main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`kill-child failed: ${(err as Error).message}\n`);
    process.exit(2);
  });
}
