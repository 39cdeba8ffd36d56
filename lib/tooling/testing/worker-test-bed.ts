import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createAwsClients } from "../../integrations/clients/aws-clients";
import { parseConfig, type DeckhandConfig } from "../../infra/config/env";
import { openDb, type Db } from "../../infra/db/open-db";
import { sandboxWorkerCredentials } from "../../operations/pushes/worker/sandbox-credentials";
import { cloneSandboxRepo } from "./clone-sandbox-repo";
import { startTestSandbox, type TestSandbox } from "./sandbox-fixture";
import type { SandboxOptions } from "../../sandbox/context";

export interface WorkerTestBed {
  sb: TestSandbox;
  tmp: string;
  config: DeckhandConfig;
  db: Db;
  /** A clone of the seeded repository, and git in it. */
  clone: string;
  git: (...args: string[]) => Promise<string>;
  /** What a worker needs on this host: ECR as the sandbox's deckhand-worker, mirrors and scratch under tmp. */
  workerEnv: { ecr: ReturnType<typeof createAwsClients>["ecr"]; mirrorsDir: string; workDir: string };
  close(): Promise<void>;
}

/**
 * A sandbox, a Deckhand store and a clone of the seeded repository, for tests that run a worker end to end.
 * `scenario`: the sandbox's; `env`: more settings for Deckhand's configuration (e.g. GITHUB_REPOSITORIES); `clone`:
 * the repository to clone (owner/name, the seeded one by default).
 */
export async function startWorkerTestBed(
  name: string,
  opts: { validateGitHubOpenApi?: boolean; scenario?: SandboxOptions["scenario"]; env?: Record<string, string>; clone?: string } = {},
): Promise<WorkerTestBed> {
  const sb = await startTestSandbox(opts.scenario ? { scenario: opts.scenario } : {}, { validateGitHubOpenApi: opts.validateGitHubOpenApi });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `deckhand-${name}-`));
  const config = parseConfig({ ...opts.env, SANDBOX_PORT: String(sb.sandbox.port), DECKHAND_DATA_DIR: path.join(tmp, "data") });
  const db = openDb(config.dataDir);
  const credentials = await sandboxWorkerCredentials(config);
  const clone = path.join(tmp, "clone");
  const git = await cloneSandboxRepo(sb.url, clone, opts.clone);
  return {
    sb,
    tmp,
    config,
    db,
    clone,
    git,
    workerEnv: { ecr: createAwsClients({ region: "us-east-1", endpoint: sb.url, credentials }).ecr, mirrorsDir: path.join(tmp, "mirrors"), workDir: path.join(tmp, "work") },
    async close() {
      await sb.close();
      db.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
