// A guided setup in its own process, for the kill tests: DECKHAND_FAILPOINT makes it SIGKILL itself right
// after a step is persisted ("setup:after-STEP", or "rotation:after-step-N" inside the key step).

import { parseConfig } from "../../config/env";
import { openDb } from "../../db/open-db";
import { createAwsClients } from "../../clients/aws-clients";
import { createGitHubClient } from "../../clients/github-client";
import { SANDBOX_AWS_ADMIN, SANDBOX_GITHUB_ADMIN_TOKEN, SANDBOX_REPOSITORY } from "../../sandbox/constants";
import { startGuidedSetup } from "../../services/run-setup";

async function main() {
  const url = process.env.SETUP_SANDBOX_URL!;
  const dir = process.env.SETUP_DATA_DIR!;
  const [owner, repo] = SANDBOX_REPOSITORY.split("/");
  const awsAs = (credentials: { accessKeyId: string; secretAccessKey: string }) => createAwsClients({ region: "us-east-1", endpoint: url, credentials, maxAttempts: 3 });
  const clients = {
    aws: awsAs(SANDBOX_AWS_ADMIN),
    github: createGitHubClient({ baseUrl: `${url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } }),
    repo: { owner, repo },
  };
  const ctx = { clients, actor: { login: "octo-operator", role: "operator" as const }, db: openDb(dir), config: parseConfig({ DECKHAND_DATA_DIR: dir }) };
  const { setupId, done } = await startGuidedSetup(
    ctx,
    { removeRegionSecret: true },
    {
      rotation: {
        awsAs: (c) => {
          const a = awsAs(c);
          return { sts: a.sts, ecr: a.ecr };
        },
        options: { verifyTimeoutMs: 5000, verifyPollMs: 100, canaryPollMs: 100, canaryTimeoutMs: 20_000, backoffMs: 50, leaseMs: 60_000 },
      },
      options: { canaryPollMs: 100, canaryTimeoutMs: 20_000 },
    },
  );
  process.stdout.write(`setup ${setupId}\n`);
  const s = await done;
  process.stdout.write(`finished ${s.state}\n`);
}

main().catch((err) => {
  process.stderr.write(`kill-child failed: ${(err as Error).message}\n`);
  process.exit(2);
});
