// The verbs' tests over several served repositories: a sandbox of the `fleet` scenario over real HTTP, a store in a
// temp dir and a configuration serving `repositories`, with the two contexts such tests need: a verb acting from a
// repository (as a repository-scoped server action builds it) and a read about one.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startTestSandbox, type TestSandbox } from "./sandbox-fixture";
import { parseConfig, type DeckhandConfig } from "../../infra/config/env";
import { openDb, type Db } from "../../infra/db/open-db";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { forRepository, readContextFrom, type ReadContext } from "../../read/context";
import { actingFrom, configuredRepository } from "../../operations/push-user";
import type { OperationContext } from "../../operations/context";

export interface FleetOperationFixture {
  sb: TestSandbox;
  db: Db;
  dir: string;
  config: DeckhandConfig;
  /** An operator's context: acting from `name` (owner/name) when given, else as the server start does (the default repository's clients). */
  acting(name?: string): OperationContext;
  /** A read context about the served repository `name`, with its push user, through a fresh cache. */
  reads(name: string): ReadContext;
}

/** Registers beforeAll/afterAll; the fields are set once beforeAll has run (use them inside tests). */
export function fleetOperationFixture(repositories: string): FleetOperationFixture {
  const f = {
    acting(name?: string): OperationContext {
      const ctx: OperationContext = { clients: f.sb.clients, actor: { login: "octo-operator", role: "operator" }, db: f.db, config: f.config, cache: new TtlCache() };
      return name ? actingFrom(ctx, name) : ctx;
    },
    reads(name: string): ReadContext {
      return forRepository(readContextFrom(f.config, f.sb.clients, new TtlCache(), f.db), configuredRepository({ config: f.config, db: f.db }, name));
    },
  } as FleetOperationFixture;
  beforeAll(async () => {
    f.sb = await startTestSandbox({ scenario: "fleet" });
    f.dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-fleet-op-"));
    f.db = openDb(f.dir);
    f.config = parseConfig({ GITHUB_REPOSITORIES: repositories, SANDBOX_PORT: String(f.sb.sandbox.port), DECKHAND_DATA_DIR: f.dir });
  }, 90_000);
  afterAll(async () => {
    f.db?.close();
    await f.sb?.close();
    if (f.dir) fs.rmSync(f.dir, { recursive: true, force: true });
  });
  return f;
}
