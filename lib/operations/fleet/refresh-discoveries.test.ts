// Owner wildcards end to end against the sandbox's `fleet` scenario over HTTP: GITHUB_REPOSITORIES=acme/mcp-servers,
// acme/* serves only the named repository until discovery has run; then servedRepositories() (what the selector, the
// cookie, ?repo=, actions, the webhook and the Fleet page ask) includes what was found, marked as discovered, and a
// signed push delivery from a discovered repository is taken instead of ignored. A failed discovery keeps the list.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { parseConfig, type DeckhandConfig } from "../../infra/config/env";
import { openDb, type Db } from "../../infra/db/open-db";
import { discoveriesOf, servedRepositories } from "../../infra/config/served-repositories";
import { signWebhookBody } from "../../judgements/push/verify-webhook-signature";
import { answerWebhookRequest } from "../pushes/answer-webhook-request";
import { refreshDiscoveries } from "./refresh-discoveries";

let sb: TestSandbox;
let db: Db;
let dir: string;
let config: DeckhandConfig;
const at = new Date("2026-12-02T12:00:00Z");

beforeAll(async () => {
  sb = await startTestSandbox({ scenario: "fleet" });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-discovery-"));
  db = openDb(dir);
  config = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORY: "acme/mcp-servers", GITHUB_REPOSITORIES: "acme/mcp-servers,acme/*:ecr-push-data", GITHUB_WEBHOOK_SECRET: "s3cret-for-discovery-tests" });
}, 90_000);

afterAll(async () => {
  db?.close();
  await sb?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const ctx = (c: DeckhandConfig = config) => ({ clients: sb.clients, cache: new TtlCache(), db, config: c, now: () => at });

async function deliverPush(fullName: string) {
  const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main", before: "a".repeat(40), after: "b".repeat(40), deleted: false, forced: false, repository: { full_name: fullName, default_branch: "main" } }));
  const headers: Record<string, string> = {
    "x-github-event": "push",
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": signWebhookBody(config.github.webhookSecret!, body),
    "content-type": "application/json",
  };
  return answerWebhookRequest(db, config, { header: (n) => headers[n.toLowerCase()] ?? null, body: Readable.from([body]) });
}

describe("owner wildcards (acme/*)", () => {
  it("serves only the named repositories before discovery has run, and ignores a push from another", async () => {
    expect(servedRepositories(config, db).map((r) => r.repository)).toEqual(["acme/mcp-servers"]);
    expect(discoveriesOf(config, db)).toEqual([expect.objectContaining({ rule: "acme/*", pushUser: "ecr-push-data", discoveredAt: null, repositories: [] })]);
    expect(await deliverPush("acme/web-gateway")).toMatchObject({ status: 200, body: { outcome: "ignored", reason: "other-repository" } });
  });

  it("after discovery serves what it found (named first, each once, with the wildcard's push user) and takes their pushes", async () => {
    const [state] = await refreshDiscoveries(ctx());
    expect(state).toMatchObject({ rule: "acme/*", discoveredAt: at.toISOString(), failure: null });
    // Only acme/web-gateway takes the organization's secret; the others hold their own copies (not the organization's word).
    expect(state.repositories.map((r) => r.repository)).toEqual(["acme/web-gateway"]);
    const served = servedRepositories(config, db);
    expect(served[0]).toEqual({ repository: "acme/mcp-servers", owner: "acme", repo: "mcp-servers", pushUser: "github-ecr-push", pushUserNamed: false });
    expect(served.slice(1).map((r) => [r.repository, r.pushUser, r.discovered?.rule])).toEqual([["acme/web-gateway", "ecr-push-data", "acme/*"]]);
    const answer = await deliverPush("acme/web-gateway");
    expect(answer.body.outcome).not.toBe("ignored");
    expect(db.prepare(`SELECT repository FROM webhook_deliveries ORDER BY rowid DESC LIMIT 1`).get()).toEqual({ repository: "acme/web-gateway" });
    // acme/billing-worker's AWS_ACCESS_KEY_ID is its own repository secret (its administrator's word): not served.
    expect(await deliverPush("acme/billing-worker")).toMatchObject({ status: 200, body: { outcome: "ignored", reason: "other-repository" } });
  }, 60_000);

  it("a discovery that fails keeps the list found before and says why; another push user's answer is not served", async () => {
    const broken = { ...config, github: { ...config.github, discover: [{ owner: "acme", pushUser: "ecr-push-data", pushUserNamed: true }] } };
    const failing = { ...ctx(broken), clients: { ...sb.clients, github: (await import("../../integrations/clients/github-client")).createGitHubClient({ baseUrl: `${sb.url}/api/v3`, token: "not-a-token", retries: 0, log: { warn: () => {} } }) } };
    const [state] = await refreshDiscoveries(failing);
    expect(state.failure).toMatch(/acme\/\* cannot be discovered/);
    expect(state.failedAt).toBe(at.toISOString());
    expect(state.repositories).toHaveLength(1);
    expect(servedRepositories(config, db)).toHaveLength(2);
    // The same owner under another push user (the setting changed): the stored answer was about another key.
    const other = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORY: "acme/mcp-servers", GITHUB_REPOSITORIES: "acme/mcp-servers,acme/*:ecr-push-edge" });
    expect(servedRepositories(other, db).map((r) => r.repository)).toEqual(["acme/mcp-servers"]);
  }, 60_000);

  it("without owner wildcards and with every push user named the list is served as configured and the store is not read", () => {
    // (An unnamed push user may have been adopted on the Fleet page: the store is read then, see push-user-adoptions.test.ts.)
    const plain = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORIES: "acme/mcp-servers:github-ecr-push,acme/web-gateway:ecr-push-web" });
    const closed = { prepare: () => { throw new Error("the store was read"); } } as unknown as Db;
    expect(servedRepositories(plain, closed)).toBe(plain.github.repositories);
  });
});
