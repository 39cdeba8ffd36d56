// ECR repository owners (issue 16): the store's atomic claim, migration 15 over a version-14 store, and the app's
// fenced claim verb against the sandbox's ECR over HTTP (existence from DescribeRepositories, the account from STS).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDb, schemaVersion, type Db } from "../../infra/db/open-db";
import { migrations } from "../../infra/db/migrations";
import { parseConfig, type DeckhandConfig } from "../../infra/config/env";
import { listAudit } from "../../infra/audit/record-audit";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { assignEcrOwner, claimEcrOwner, jobClaimant, listEcrOwners, readEcrOwner, releaseEcrOwner } from "./ecr-owners-store";
import { claimEcrRepository } from "./claim-ecr-repository";
import { ecrAccount } from "../../integrations/aws/ecr-account";
import { claimNextJob, enqueueJob, insertServiceRecord, releaseClaimIfNothingPushed } from "./job-store";

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-ecr-owners-"));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const KEY = { account: "123456789012", region: "us-east-1", ecrRepository: "web" };

describe("a claim released when its service pushed nothing", () => {
  it("only for the first attempt's own report of a failure before the push step, never after blobs or for an operator's assignment", () => {
    const db = openDb(tmp());
    const claim = (svc: string) => claimEcrOwner(db, { ...KEY, ecrRepository: svc }, "acme/web-gateway", jobClaimant("j1", svc));
    const owner = (svc: string) => readEcrOwner(db, { ...KEY, ecrRepository: svc });
    const failed = (service: string, detail: string, blobsUploaded = 0) => ({ service, repository: service, decision: "failed" as const, detail, blobsUploaded });
    for (const svc of ["built", "retry", "push", "blobs", "later", "operator"]) claim(svc);
    releaseClaimIfNothingPushed(db, "j1", 1, failed("built", "build-failed: COPY no-such-file"));
    expect(owner("built")).toBeNull();
    // A second attempt: the first may have pushed and died before it reported.
    releaseClaimIfNothingPushed(db, "j1", 2, failed("retry", "build-failed: flaky pull"));
    // The push step creates the ECR repository before any blob: a failure there may leave it behind.
    releaseClaimIfNothingPushed(db, "j1", 1, failed("push", "push-failed: PutImage throttled"));
    releaseClaimIfNothingPushed(db, "j1", 1, failed("blobs", "build-failed: odd", 3));
    releaseClaimIfNothingPushed(db, "j1", 1, { service: "later", repository: "later", decision: "pushed" });
    assignEcrOwner(db, { ...KEY, ecrRepository: "operator" }, "acme/mcp-servers", "octo-operator");
    releaseClaimIfNothingPushed(db, "j1", 1, failed("operator", "build-failed: x"));
    for (const svc of ["retry", "push", "blobs", "later"]) expect(owner(svc), svc).toMatchObject({ sourceRepository: "acme/web-gateway" });
    expect(owner("operator")).toMatchObject({ sourceRepository: "acme/mcp-servers", claimedBy: "octo-operator" });
    expect(listAudit(db, { action: "ecr-owner.claim-dropped", limit: 10 }).map((a) => a.target)).toEqual(["built"]);
    db.close();
  });
});

describe("the owners table", () => {
  it("gives a new ECR repository to the first claim only, and a claim never overwrites an owner", () => {
    const db = openDb(tmp());
    expect(claimEcrOwner(db, KEY, "acme/web-gateway", "push job 1 (web)")).toBe(true);
    expect(claimEcrOwner(db, KEY, "acme/mcp-servers", "push job 2 (web)")).toBe(false);
    expect(claimEcrOwner(db, KEY, "acme/web-gateway", "push job 3 (web)")).toBe(false);
    expect(readEcrOwner(db, KEY)).toMatchObject({ sourceRepository: "acme/web-gateway", claimedBy: "push job 1 (web)" });
    // Other accounts, regions and names are other repositories.
    expect(claimEcrOwner(db, { ...KEY, region: "eu-west-1" }, "acme/mcp-servers", "x")).toBe(true);
    expect(claimEcrOwner(db, { ...KEY, account: "210987654321" }, "acme/mcp-servers", "x")).toBe(true);
    expect(claimEcrOwner(db, { ...KEY, ecrRepository: "web2" }, "acme/mcp-servers", "x")).toBe(true);
    expect(listEcrOwners(db, { account: KEY.account, region: KEY.region }).map((o) => [o.ecrRepository, o.sourceRepository])).toEqual([
      ["web", "acme/web-gateway"],
      ["web2", "acme/mcp-servers"],
    ]);
    db.close();
  });

  it("an operator reassigns or releases, and gets the previous owner back", () => {
    const db = openDb(tmp());
    claimEcrOwner(db, KEY, "acme/web-gateway", "push job 1 (web)");
    expect(assignEcrOwner(db, KEY, "acme/mcp-servers", "octo-operator")).toMatchObject({ sourceRepository: "acme/web-gateway" });
    expect(readEcrOwner(db, KEY)).toMatchObject({ sourceRepository: "acme/mcp-servers", claimedBy: "octo-operator" });
    expect(releaseEcrOwner(db, KEY)).toMatchObject({ sourceRepository: "acme/mcp-servers" });
    expect(readEcrOwner(db, KEY)).toBeNull();
    expect(releaseEcrOwner(db, KEY)).toBeNull();
    expect(claimEcrOwner(db, KEY, "acme/billing-worker", "push job 4 (web)")).toBe(true);
    db.close();
  });

  it("two connections racing for one new repository (WAL, as the app and a worker share it): exactly one owns it", () => {
    const dir = tmp();
    const a = openDb(dir);
    const b = openDb(dir);
    const results = Array.from({ length: 20 }, (_, i) => ({ ...KEY, ecrRepository: `r${i}` })).map((k) => [claimEcrOwner(a, k, "acme/a", "a"), claimEcrOwner(b, k, "acme/b", "b")]);
    expect(results.every(([x, y]) => x !== y)).toBe(true);
    a.close();
    b.close();
  });

  it("migration 15 over a version-14 store keeps its data and adds an empty owners table", () => {
    const dir = tmp();
    const old = openDb(dir, migrations.filter((m) => m.version <= 14));
    expect(schemaVersion(old)).toBe(14);
    old.prepare(`INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('k', 'v', 't', 'me')`).run();
    enqueueJob(old, { sha: "a".repeat(40), branch: "main", ref: "refs/heads/main", trigger: "webhook", requestedBy: "github", repository: "acme/web-gateway" });
    old.prepare(`INSERT INTO repository_discoveries (owner, push_user, repositories) VALUES ('acme', 'github-ecr-push', '[]')`).run();
    old.close();
    const db = openDb(dir);
    // Every later migration runs too (16 and on): the store ends at the newest version.
    expect(schemaVersion(db)).toBe(Math.max(...migrations.map((m) => m.version)));
    expect(db.prepare(`SELECT value FROM settings WHERE key = 'k'`).get()).toEqual({ value: "v" });
    expect(db.prepare(`SELECT repository FROM push_jobs`).all()).toEqual([{ repository: "acme/web-gateway" }]);
    expect(db.prepare(`SELECT owner FROM repository_discoveries`).all()).toEqual([{ owner: "acme" }]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM ecr_repository_owners`).get()).toEqual({ n: 0 });
    expect(claimEcrOwner(db, KEY, "acme/web-gateway", "x")).toBe(true);
    db.close();
  });
});

describe("the app's claim, against the sandbox's ECR", () => {
  let sb: TestSandbox;
  let db: Db;
  let config: DeckhandConfig;
  let dir: string;
  beforeAll(async () => {
    sb = await startTestSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-ecr-claim-"));
    config = parseConfig({ SANDBOX_PORT: new URL(sb.url).port, DECKHAND_DATA_DIR: path.join(dir, "data"), GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway" });
    db = openDb(config.dataDir);
  }, 60_000);
  afterAll(async () => {
    db?.close();
    await sb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A running job of `repository`, claimed by worker `w`. */
  function runningJob(repository: string, w: string, c: string) {
    const { job } = enqueueJob(db, { sha: c.repeat(40), branch: null, ref: null, trigger: "api", requestedBy: "test", repository }) as { job: { id: string } };
    const claim = claimNextJob(db, { workerId: w })!;
    expect(claim.job.id).toBe(job.id);
    return { jobId: job.id, workerId: w, attempt: claim.attempt };
  }
  const ctx = () => ({ clients: sb.clients, db, config });

  it("two jobs of two repositories racing for one new ECR repository: exactly one owns it, the other is told who", async () => {
    const a = runningJob("acme/mcp-servers", "wa", "1");
    const b = runningJob("acme/web-gateway", "wb", "2");
    const ask = { service: "web", ecrRepository: "brand-new-web" };
    const [ra, rb] = await Promise.all([claimEcrRepository(ctx(), { ...a, ...ask }), claimEcrRepository(ctx(), { ...b, ...ask })]);
    const won = [ra, rb].filter((r) => r.ok);
    expect(won).toHaveLength(1);
    const winner = ra.ok ? "acme/mcp-servers" : "acme/web-gateway";
    const loser = ra.ok ? rb : ra;
    expect(loser).toMatchObject({ ok: false, message: expect.stringContaining(`ECR repository brand-new-web is owned by ${winner}`) });
    const account = await ecrAccount(sb.clients.aws);
    expect(account).toMatch(/^\d{12}$/);
    expect(readEcrOwner(db, { account, region: "us-east-1", ecrRepository: "brand-new-web" })).toMatchObject({ sourceRepository: winner });
    expect(listAudit(db, {}).find((e) => e.action === "ecr-owner.claim" && e.target === "brand-new-web")).toMatchObject({ outcome: "success", detail: { source: winner, why: "new-repository" } });
    // The owner asks again (another commit, a case-different name from a webhook): push, no new claim.
    expect(await claimEcrRepository(ctx(), { ...(ra.ok ? a : b), ...ask })).toEqual({ ok: true, claimed: false, owner: winner });
  });

  it("an existing repository nobody claimed (the seeded mcp-server-tcp): a discovered repository is refused, a named one claims it", async () => {
    const discovered = runningJob("acme/found-later", "wd", "3");
    const r = await claimEcrRepository(ctx(), { ...discovered, service: "mcp-server-tcp", ecrRepository: "mcp-server-tcp" });
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/mcp-server-tcp exists, claimed by nobody.*An operator can assign mcp-server-tcp to acme\/found-later.*GITHUB_REPOSITORIES/) });
    const named = runningJob("ACME/Web-Gateway", "wn", "4");
    expect(await claimEcrRepository(ctx(), { ...named, service: "mcp-server-tcp", ecrRepository: "mcp-server-tcp" })).toEqual({ ok: true, claimed: true, owner: "ACME/Web-Gateway" });
  });

  it("an existing repository Deckhand pushed before owners were recorded (an upgrade) goes back to its last pusher, no other", async () => {
    // mcp-servers pushed the seeded mcp-server-http through Deckhand before migration 15: its history, no owner.
    const before = runningJob("acme/mcp-servers", "wh", "7");
    insertServiceRecord(db, before.jobId, before.attempt, { service: "mcp-server-http", repository: "mcp-server-http", decision: "pushed" });
    const other = runningJob("acme/web-gateway", "wg", "8");
    const refused = await claimEcrRepository(ctx(), { ...other, service: "mcp-server-http", ecrRepository: "mcp-server-http" });
    expect(refused).toMatchObject({ ok: false, message: expect.stringMatching(/^ECR repository mcp-server-http was last pushed by Deckhand from acme\/mcp-servers and is claimed by nobody: nothing pushed from acme\/web-gateway/) });
    expect(await claimEcrRepository(ctx(), { ...before, service: "mcp-server-http", ecrRepository: "mcp-server-http" })).toEqual({ ok: true, claimed: true, owner: "acme/mcp-servers" });
  });

  it("a service naming the worker's build cache repository is refused and the cache is never claimed", async () => {
    const j = runningJob("acme/mcp-servers", "wc", "6");
    const r = await claimEcrRepository(ctx(), { ...j, service: "web", ecrRepository: "deckhand-build-cache", buildCacheRepository: "deckhand-build-cache" });
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/deckhand-build-cache is Deckhand's build cache/) });
    expect(readEcrOwner(db, { account: await ecrAccount(sb.clients.aws), region: "us-east-1", ecrRepository: "deckhand-build-cache" })).toBeNull();
  });

  it("answers only the holder of the job's lease: another worker, an old attempt or a finished job get nothing claimed", async () => {
    const j = runningJob("acme/mcp-servers", "wl", "5");
    const ask = { service: "api", ecrRepository: "lease-test" };
    expect(await claimEcrRepository(ctx(), { ...j, workerId: "intruder", ...ask })).toMatchObject({ ok: false, lost: true });
    expect(await claimEcrRepository(ctx(), { ...j, attempt: j.attempt + 1, ...ask })).toMatchObject({ ok: false, lost: true });
    // A part's lease is the part's: a job's worker quoting a part it does not hold is refused too.
    expect(await claimEcrRepository(ctx(), { ...j, part: true, ...ask })).toMatchObject({ ok: false, lost: true });
    expect(readEcrOwner(db, { account: await ecrAccount(sb.clients.aws), region: "us-east-1", ecrRepository: "lease-test" })).toBeNull();
  });
});
