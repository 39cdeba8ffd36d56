import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { createAwsClients } from "../../integrations/clients/aws-clients";
import { parseConfig, type DeckhandConfig } from "../../infra/config/env";
import { openDb, type Db } from "../../infra/db/open-db";
import { signWebhookBody } from "../../judgements/push/verify-webhook-signature";
import { answerWebhookRequest, type WebhookHttpAnswer } from "../../operations/pushes/answer-webhook-request";
import { processPendingDeliveries } from "../../operations/pushes/process-pending-deliveries";
import { listDeliveries, type DeliveryRow } from "../../operations/pushes/receive-github-delivery";
import { executeClaimedJob } from "../../operations/pushes/worker/execute-claimed-job";
import { sandboxWorkerCredentials } from "../../operations/pushes/worker/sandbox-credentials";
import { StoreChannel } from "../../operations/pushes/worker/store-channel";
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
  /** A worker on the store (`<name>-worker`, 30 s leases), as the embedded one talks to the app. */
  channel: StoreChannel;
  /** Claims the next queued job on `channel` and runs it with `workerEnv`: its id, or null when none was queued. */
  runQueuedJob(): Promise<string | null>;
  /**
   * A push body signed with the webhook secret, through the webhook's HTTP answer, then the pending-delivery check
   * against the sandbox's GitHub: the answer and the delivery as recorded.
   */
  deliver(body: Buffer, deliveryId?: string): Promise<{ answer: WebhookHttpAnswer; delivery: DeliveryRow }>;
  close(): Promise<void>;
}

/** A push event's body as GitHub sends it, for `repository` (owner/name) moving main from `before` to `after`. */
export function pushEventBody(repository: string, c: { before: string; after: string }): Buffer {
  return Buffer.from(
    JSON.stringify({ ref: "refs/heads/main", before: c.before, after: c.after, deleted: false, forced: false, repository: { full_name: repository, default_branch: "main" } }),
  );
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
  const workerEnv = { ecr: createAwsClients({ region: "us-east-1", endpoint: sb.url, credentials }).ecr, mirrorsDir: path.join(tmp, "mirrors"), workDir: path.join(tmp, "work") };
  const channel = new StoreChannel(`${name}-worker`, { clients: sb.clients, db, config }, 30_000);
  return {
    sb,
    tmp,
    config,
    db,
    clone,
    git,
    workerEnv,
    channel,
    async runQueuedJob() {
      const claim = await channel.claim();
      if (!claim) return null;
      await executeClaimedJob(channel, claim, workerEnv);
      return claim.jobId;
    },
    async deliver(body, deliveryId = randomUUID()) {
      const headers: Record<string, string> = {
        "x-github-event": "push",
        "x-github-delivery": deliveryId,
        "x-hub-signature-256": signWebhookBody(config.github.webhookSecret!, body),
        "content-type": "application/json",
      };
      const answer = await answerWebhookRequest(db, config, { header: (n) => headers[n.toLowerCase()] ?? null, body: Readable.from([body]) });
      // The processor is handed the default repository's client ref: a delivery names its own repository.
      await processPendingDeliveries({ db, github: sb.clients.github, repo: sb.clients.repo });
      return { answer, delivery: listDeliveries(db).find((d) => d.id === deliveryId)! };
    },
    async close() {
      await sb.close();
      db.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
