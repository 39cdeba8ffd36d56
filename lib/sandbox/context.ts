import type Database from "better-sqlite3";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultRegistry } from "./faults";
import type { AgedTable } from "./age";

/** `organization`: the default accounts, with the key shared through organization and environment secrets (github/README.md). */
export type SandboxScenario = "default" | "empty" | "partial" | "organization" | "fleet";
export type SandboxScale = "small" | "large";

export interface SandboxOptions {
  /** Root data dir; the sandbox keeps everything under `${dataDir}/sandbox`. */
  dataDir: string;
  port: number;
  host: string;
  /** How long a new access key is refused after creation (AWS eventual consistency). */
  keyPropagationMs: number;
  /** Bearer token for /_sandbox admin routes, accepted from loopback clients only. */
  adminToken: string;
  /** Secret of the seeded repository webhook that points at Deckhand. */
  webhookSecret: string;
  /** Where the seeded repository webhook delivers (Deckhand's base URL). */
  deckhandUrl: string;
  scenario: SandboxScenario;
  scale: SandboxScale;
  /** Log one line per request to stdout. */
  logRequests: boolean;
  /** Shortest time a simulated workflow job runs, in ms (default 600; real jobs take tens of seconds). */
  minJobMs?: number;
}

export interface SandboxContext {
  db: Database.Database;
  options: SandboxOptions;
  /** Directory owned by the sandbox (`${dataDir}/sandbox`). */
  root: string;
  faults: FaultRegistry;
  /** The sandbox's own base URL as clients reach it, e.g. http://127.0.0.1:4566 */
  baseUrl(): string;
  now(): Date;
}

/** What one half of the sandbox seeds hands to the next (AWS seeds first, GitHub second). */
export interface SeedShared {
  region: string;
  accountId: string;
  /** The github-ecr-push key that GitHub's secrets hold (absent in scenarios without one). */
  pushUserKey?: { accessKeyId: string; secretAccessKey: string };
  /** The deckhand-worker key used by Deckhand's embedded worker in sandbox mode. */
  workerKey?: { accessKeyId: string; secretAccessKey: string };
  /** Anything else one half wants to pass on. */
  [key: string]: unknown;
}

export interface SeedContext {
  scenario: SandboxScenario;
  scale: SandboxScale;
  shared: SeedShared;
}

export interface SandboxModule {
  name: string;
  /** Create tables (idempotent). */
  migrate(db: Database.Database): void;
  /** Remove all of this module's state (tables and files). */
  wipe(ctx: SandboxContext): void;
  /** Populate a fresh state for the scenario. */
  seed(ctx: SandboxContext, seed: SeedContext): Promise<void>;
  /** Return true when this module handled the request. */
  handle(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean>;
  /** The module's recorded time columns, moved back by POST /_sandbox/age (../age.ts). */
  agedTables?: AgedTable[];
  /** What else POST /_sandbox/age must move (after the tables, in the same transaction), e.g. git's presented dates. */
  age?(ctx: SandboxContext, days: number): void;
  /** Optional background work started once the server listens (e.g. webhook delivery). */
  start?(ctx: SandboxContext): void;
  stop?(): Promise<void> | void;
}
