// Shared by the setup tests: the AWS CLI against a test sandbox (what an operator would run for Step 5),
// and a real push worker on the test's store (the setup's first push needs one, as in the app).

import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createAwsClients } from "../../clients/aws-clients";
import { SANDBOX_AWS_ADMIN } from "../../sandbox/constants";
import type { ServiceContext } from "../../services/context";
import type { TestSandbox } from "../../testing/sandbox-fixture";
import { sandboxWorkerCredentialProvider } from "../../worker/sandbox-credentials";
import { StoreChannel } from "../../worker/store-channel";
import { startWorkerLoop } from "../../worker/worker-loop";

const run = promisify(execFile);

/** /usr/bin/aws (v2) with the sandbox administrator key. Async: the sandbox runs in this process. */
export async function awsCli(sbx: TestSandbox, args: string[]): Promise<unknown> {
  const { stdout } = await run("/usr/bin/aws", [...args, "--endpoint-url", sbx.url, "--output", "json"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      AWS_ACCESS_KEY_ID: SANDBOX_AWS_ADMIN.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SANDBOX_AWS_ADMIN.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    } as unknown as NodeJS.ProcessEnv,
  });
  return stdout.trim() ? JSON.parse(stdout) : null;
}

/** The embedded worker of `npm start`, in this process: buildah, pushing as the sandbox's deckhand-worker. */
export function startTestWorker(sbx: TestSandbox, ctx: ServiceContext, dir: string): { stop: () => Promise<void>; log: string[] } {
  const log: string[] = [];
  const channel = new StoreChannel(`test-worker-${process.pid}`, { clients: ctx.clients, db: ctx.db, config: ctx.config }, 30_000);
  const ecr = createAwsClients({ region: "us-east-1", endpoint: sbx.url, credentials: sandboxWorkerCredentialProvider(ctx.config) }).ecr;
  const loop = startWorkerLoop(
    channel,
    { ecr, mirrorsDir: path.join(dir, "git-mirrors"), workDir: path.join(dir, "work"), builder: "buildah" },
    { idleMs: 200, log: (l) => log.push(l) },
  );
  return { stop: () => loop.stop(), log };
}
