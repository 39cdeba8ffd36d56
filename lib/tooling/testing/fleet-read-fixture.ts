// Read-side tests over the sandbox's `fleet` scenario (acme/mcp-servers, acme/web-gateway, acme/billing-worker): one
// sandbox and one store per test file, started before its tests and removed after them, and a read context for any
// of its repositories.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startTestSandbox, type TestSandbox } from "./sandbox-fixture";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { openDb, type Db } from "../../infra/db/open-db";
import type { ConfiguredRepository } from "../../infra/config/env";
import type { ReadContext } from "../../read/context";

export interface FleetReadFixture {
  sb: () => TestSandbox;
  db: () => Db;
  /** A fresh read context (its own cache) about acme/`repo`, the default push user's. */
  ctx: (repo?: string) => ReadContext;
}

/** acme/`name` served with `pushUser`. */
export const fleetRepository = (name: string, pushUser = "github-ecr-push"): ConfiguredRepository => ({ repository: `acme/${name}`, owner: "acme", repo: name, pushUser, pushUserNamed: pushUser !== "github-ecr-push" });

/** Registers beforeAll/afterAll in the calling test file; `validateGitHubOpenApi` checks every GitHub exchange. */
export function fleetReadFixture(opts: { validateGitHubOpenApi?: boolean } = {}): FleetReadFixture {
  let sb: TestSandbox | undefined;
  let db: Db | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    sb = await startTestSandbox({ scenario: "fleet" }, { validateGitHubOpenApi: opts.validateGitHubOpenApi ?? false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-fleet-read-"));
    db = openDb(dir);
  }, 90_000);
  afterAll(async () => {
    db?.close();
    await sb?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const ctx = (repo = "mcp-servers"): ReadContext => ({
    clients: { ...sb!.clients, repo: { owner: "acme", repo } },
    quickGitHub: sb!.clients.github,
    cache: new TtlCache(),
    db: db!,
    userName: "github-ecr-push",
    policyName: "ecr-push-policy",
    workflowName: "Build and Push to AWS ECR",
    github: { webUrl: sb!.url, owner: "acme", repo, repository: `acme/${repo}`, branch: undefined },
  });
  return { sb: () => sb!, db: () => db!, ctx };
}
