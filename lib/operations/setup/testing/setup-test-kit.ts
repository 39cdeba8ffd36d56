// Shared by the setup tests: the AWS CLI against a test sandbox (what an operator would run for Step 5),
// and a real push worker on the test's store (the setup's first push needs one, as in the app).

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SANDBOX_AWS_ADMIN } from "../../../sandbox/constants";
import type { OperationContext } from "../../context";
import { startEmbeddedWorker } from "../../pushes/worker/start-embedded-worker";
import type { TestSandbox } from "../../../tooling/testing/sandbox-fixture";

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
export function startTestWorker(ctx: OperationContext, dir: string): { stop: () => Promise<void>; log: string[] } {
  const log: string[] = [];
  const loop = startEmbeddedWorker(ctx, { workerId: `test-worker-${process.pid}`, leaseMs: 30_000, baseDir: dir, builder: "buildah", idleMs: 200, log: (l) => log.push(l) });
  return { stop: () => loop.stop(), log };
}
