import { describe, expect, it } from "vitest";
import { fleetRepository, fleetReadFixture } from "../tooling/testing/fleet-read-fixture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { enqueueJob, reportJobResult, claimNextJob } from "../operations/pushes/job-store";
import { readChecksPerRepository, readFleet } from "./fleet";
import { readMetricsText } from "./metrics";
import { readPushVerdict } from "./overview";
import { forRepository } from "./context";
import { invalidatePosture, readScopes } from "./posture";
import { listRepoOrganizationSecrets } from "../integrations/github/scoped-secrets";
import { readLastRun } from "./workflows";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";

/** The Fleet page's rows against the sandbox's `fleet` scenario over HTTP (GitHub's OpenAPI-validated). */

const f = fleetReadFixture({ validateGitHubOpenApi: true });
const repo = fleetRepository;
const fleet = [repo("mcp-servers"), repo("web-gateway"), repo("billing-worker")];
const ctx = () => f.ctx();

describe("readFleet", () => {
  it("one row per repository: its push user, the key it holds, where the secrets come from, its last run and verdict", async () => {
    const view = await readFleet(ctx(), fleet);
    const by = Object.fromEntries(view.rows.map((r) => [r.repository, r]));
    expect(Object.keys(by).sort()).toEqual(["acme/billing-worker", "acme/mcp-servers", "acme/web-gateway"]);
    expect(by["acme/mcp-servers"].secretsFrom).toBe("repository secret");
    expect(by["acme/web-gateway"].secretsFrom).toBe("organization secret (selected repositories)");
    expect(by["acme/billing-worker"].secretsFrom).toBe("repository secret");
    for (const r of view.rows) {
      expect(r.pushUser).toBe("github-ecr-push");
      expect(r.key?.accessKeyId).toMatch(/^AKIA/);
      expect(r.key?.ageDays).toBe(97);
      expect(r.holdsKeyOf).toBeNull();
    }
    // The last run comes from the runs the Doctor read (no call of its own), and is the ECR workflow's newest run as
    // GitHub lists that workflow's runs.
    for (const r of fleet) {
      const own = await readLastRun({ ...ctx(), clients: { ...f.sb().clients, repo: { owner: r.owner, repo: r.repo } } });
      expect(own.ok && own.data).toBeTruthy();
      if (own.ok && own.data) expect(by[r.repository].lastRun).toEqual({ id: own.data.id, status: own.data.status, conclusion: own.data.conclusion, createdAt: own.data.createdAt, updatedAt: own.data.updatedAt });
    }
    // billing-worker has no AWS_REGION at any scope: the guide's region check fails there, and only there.
    const regionFails = (name: string) => by[name].failingChecks.some((c) => /region/i.test(c.id));
    expect(regionFails("acme/billing-worker")).toBe(true);
    expect(regionFails("acme/web-gateway")).toBe(false);
    expect(regionFails("acme/mcp-servers")).toBe(false);
    expect(by["acme/billing-worker"].answer).toBe("no");
    // The seeded push policy drifted (ecr:CompleteLayerUpload removed): nobody can push, and the page says so.
    expect(view.summary.answer).toBe("no");
    expect(view.summary.sentence).toMatch(/^3 of 3 cannot push\.$/);
  }, 60_000);

  it("a configured repository GitHub has no such repository for: its row says so, judges nothing over it, and the others are unchanged", async () => {
    const view = await readFleet(ctx(), [...fleet, repo("no-such-repo")]);
    const missing = view.rows.find((r) => r.repository === "acme/no-such-repo")!;
    expect(missing.answer).toBe("unknown");
    expect(missing.reason).toMatch(/^GitHub answers 404 for acme\/no-such-repo: it does not exist, or Deckhand's token cannot see it\./);
    expect(missing.failingChecks).toEqual([]);
    expect(missing.href).toBeNull();
    expect(missing.lastRunFailure?.kind).toBe("not-found");
    const others = view.rows.filter((r) => r.repository !== "acme/no-such-repo");
    expect(others.map((r) => r.reason).every((r) => !r.startsWith("GitHub answers 404"))).toBe(true);
    expect(view.summary.answer).toBe("no");
    // The Overview's verdict and the metric say the same: unknown (-1), not "no" over checks of empty answers.
    const text = await readMetricsText(ctx(), [...fleet, repo("no-such-repo")]);
    expect(text).toMatch(/^deckhand_push_ready\{repository="acme\/no-such-repo"\} -1$/m);
    const overview = await readPushVerdict(forRepository(ctx(), repo("no-such-repo")));
    expect(overview.readiness).toMatchObject({ answer: "unknown", href: "/fleet" });
    expect(overview.readiness.reason).toBe(missing.reason);
  }, 60_000);

  it("three repositories of one push user read that user's IAM once, and the account's ECR repositories once (counted in the sandbox's CloudTrail)", async () => {
    // Past a whole second, so the earlier tests' calls are before `since` whatever precision CloudTrail keeps.
    await new Promise((r) => setTimeout(r, 1020 - (Date.now() % 1000)));
    const since = new Date(Math.floor(Date.now() / 1000) * 1000);
    const view = await readFleet(ctx(), fleet);
    expect(view.rows).toHaveLength(3);
    const calls = async (eventName: string) => {
      const out = await f.sb().clients.aws.cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: eventName }], StartTime: since }));
      return (out.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent ?? "{}") as { requestParameters?: { userName?: string } | null });
    };
    const ofUser = async (eventName: string) => (await calls(eventName)).filter((e) => e.requestParameters?.userName === "github-ecr-push").length;
    expect(await ofUser("ListAccessKeys")).toBe(1);
    expect(await ofUser("GetUser")).toBe(1);
    expect(await ofUser("ListUserPolicies")).toBe(1);
    expect(await ofUser("ListAttachedUserPolicies")).toBe(1);
    expect((await calls("DescribeRepositories")).length).toBe(1);
  }, 60_000);

  it("a repository the token cannot see is a row that says so, not a failed page", async () => {
    const view = await readFleet(ctx(), [...fleet, repo("no-such-repo")]);
    const row = view.rows.find((r) => r.repository === "acme/no-such-repo")!;
    expect(row.secretsFrom).toBe("unknown");
    expect(["no", "unknown"]).toContain(row.answer);
    expect(row.lastRun).toBeNull();
    expect(row.lastRunFailure).toMatchObject({ service: "github" });
  }, 60_000);

  it("last push: the repository's newest finished Deckhand job; old jobs without a repository are the default's", async () => {
    const finish = (repository: string | null, sha: string) => {
      enqueueJob(f.db(), { sha, branch: "main", ref: "refs/heads/main", trigger: "manual", requestedBy: "octo-operator", repository });
      const claim = claimNextJob(f.db(), { workerId: "w" })!;
      reportJobResult(f.db(), { jobId: claim.job.id, workerId: "w", attempt: claim.attempt, result: "succeeded", summary: {} });
    };
    finish(null, "a".repeat(40));
    finish("acme/web-gateway", "b".repeat(40));
    const view = await readFleet(ctx(), fleet);
    const by = Object.fromEntries(view.rows.map((r) => [r.repository, r]));
    expect(by["acme/mcp-servers"].lastPush?.sha).toBe("a".repeat(40));
    expect(by["acme/web-gateway"].lastPush?.sha).toBe("b".repeat(40));
    expect(by["acme/billing-worker"].lastPush).toBeNull();
  }, 60_000);

  it("checks and metrics carry the repository: billing-worker's region check fails there alone", async () => {
    const per = await readChecksPerRepository(ctx(), fleet);
    expect(per.map((r) => r.repository)).toEqual(["acme/mcp-servers", "acme/web-gateway", "acme/billing-worker"]);
    for (const r of per) expect(new Set(r.checks.map((c) => c.repository))).toEqual(new Set([r.repository]));
    const text = await readMetricsText(ctx(), fleet);
    const status = (repository: string, check: string) => text.match(new RegExp(`^deckhand_check_status\\{repository="${repository}",check="${check}"\\} (-?\\d+)$`, "m"))?.[1];
    const regionCheck = per[2].checks.find((c) => c.status === "fail" && /region/i.test(c.id))!.id;
    expect(status("acme/billing-worker", regionCheck)).toBe("0");
    expect(status("acme/web-gateway", regionCheck)).toBe("1");
    expect(text).toMatch(/^deckhand_push_ready\{repository="acme\/billing-worker"\} 0$/m);
    // Key ages are the push user's, once, whatever the number of repositories holding its key.
    expect(text.match(/^deckhand_access_key_age_days\{user="github-ecr-push",/gm)).toHaveLength(1);
    expect(text.match(/^# TYPE deckhand_check_status gauge$/gm)).toHaveLength(1);
  }, 60_000);

  it("a second read within the parts' lifetime reuses the judged rows; any posture change drops them", async () => {
    const c = ctx();
    const first = await readFleet(c, fleet);
    const after = c.cache.stats().misses;
    const second = await readFleet(c, fleet);
    expect(c.cache.stats().misses).toBe(after);
    expect(second.rows.map((r) => [r.repository, r.answer])).toEqual(first.rows.map((r) => [r.repository, r.answer]));
    invalidatePosture(c.cache, "keys");
    await readFleet(c, fleet);
    // Each row is judged again (and the keys read again), the rest comes from the cache.
    expect(c.cache.stats().misses - after).toBeGreaterThanOrEqual(fleet.length + 1);
  }, 60_000);

  it("what the organization gives each repository is read once per organization and equals GitHub's per-repository lists", async () => {
    const c = ctx();
    const at = (name: string) => ({ ...c, clients: { ...f.sb().clients, repo: { owner: "acme", repo: name } } });
    const views = await Promise.all(fleet.map((r) => readScopes(at(r.repo))));
    for (const [i, r] of fleet.entries()) {
      const view = views[i];
      if (!view.ok) throw new Error(view.failure.message);
      const mine = await listRepoOrganizationSecrets({ github: f.sb().clients.github, repo: { owner: "acme", repo: r.repo } });
      const fromOrg = view.data.secrets.filter((x) => [x.source, ...x.shadowed].some((c) => c?.scope === "organization")).map((x) => x.name);
      expect(new Set(fromOrg)).toEqual(new Set(mine.map((m) => m.name)));
    }
    // The organization lists could not be read: each repository's own list is asked, and says the same.
    for (const operation of ["GET /orgs/{org}/actions/secrets", "GET /orgs/{org}/actions/variables"]) {
      await f.sb().admin("POST", "/_sandbox/faults", { service: "github", operation, kind: "access-denied", count: 2 });
    }
    const fallback = await readScopes({ ...at("web-gateway"), cache: new TtlCache() });
    if (!fallback.ok) throw new Error(fallback.failure.message);
    expect(fallback.data.secrets.find((x) => x.name === "AWS_ACCESS_KEY_ID")?.source).toMatchObject({ scope: "organization", visibility: null });
    expect(fallback.data.unreadable).toEqual([]);
  }, 60_000);
});
