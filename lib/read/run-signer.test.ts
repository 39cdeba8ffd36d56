// Whose key a repository holds when nobody configured that user (issue 16: "each repository's user found from the key
// it holds"): against the sandbox's fleet scenario over HTTP, acme/web-gateway gets the key of a second IAM user
// through the organization secret, its ECR workflow runs with it (the sandbox runner signs with that key), and the
// Fleet row, configured with the default push user, names the user CloudTrail says signed the run, but only from a
// delivered, whole window (attack review): not right after the run, not from a capped lookup, and a failing
// CloudTrail is not asked again on every read. The sandbox shows events at once (AWS takes minutes), so "15 minutes
// later" is the read context's clock (`now`).

import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it } from "vitest";
import { fleetRepository, fleetReadFixture } from "../tooling/testing/fleet-read-fixture";
import { createSecondPushUser } from "../tooling/testing/second-push-user";
import { TtlCache } from "../infra/cache/ttl-cache";
import { GUIDE_PUSH_POLICY } from "../judgements/posture/ecr-actions";
import type { LastRunView } from "../judgements/fleet/last-ecr-run";
import { readFleet } from "./fleet";
import { readRunSigner, SIGNER_FAILURE_TTL_MS } from "./run-signer";
import { invalidatePosture } from "./posture";

const f = fleetReadFixture();
const repo = fleetRepository;
const ctx = () => f.ctx();
const served = () => [repo("mcp-servers"), repo("web-gateway")];

type Run = { id: number; status: string | null; conclusion: string | null; created_at: string; updated_at: string };
async function runWorkflow(owner: string, name: string): Promise<Run> {
  const { github } = f.sb().clients;
  const r = { owner, repo: name };
  const before = (await github.rest.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0]?.id ?? 0;
  await github.rest.actions.createWorkflowDispatch({ ...r, workflow_id: "ecr.yml", ref: "main" });
  for (let i = 0; i < 200; i++) {
    const run = (await github.rest.actions.listWorkflowRuns({ ...r, workflow_id: "ecr.yml", per_page: 1 })).data.workflow_runs[0];
    if (run && run.id !== before && run.status === "completed") return run;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no completed run in ${owner}/${name}`);
}
const view = (run: Run): LastRunView => ({ id: run.id, status: run.status, conclusion: run.conclusion, createdAt: run.created_at, updatedAt: run.updated_at });
/** A clock `minutes` after the run last changed. */
const after = (run: Run, minutes: number) => () => new Date(Date.parse(run.updated_at) + minutes * 60_000);
/** A read context about acme/web-gateway (its own cache unless given). */
const gateway = (over: Partial<ReturnType<typeof ctx>> = {}) => ({ ...ctx(), clients: { ...f.sb().clients, repo: { owner: "acme", repo: "web-gateway" } }, ...over });
const fault = (kind: string) => f.sb().admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind, count: -1 });
afterEach(async () => {
  await f.sb().admin("DELETE", "/_sandbox/faults");
});

let runA: Run;

describe("who signed a repository's last run", () => {
  it("right after the run: 'not yet' without asking CloudTrail, the row names nobody; once delivered: the user whose key signed it", async () => {
    await createSecondPushUser(f.sb().clients, { userName: "ecr-push-payments", repo: { owner: "acme", repo: "web-gateway" }, holder: { scope: "organization", org: "acme" } });
    runA = await runWorkflow("acme", "web-gateway");
    expect(runA.conclusion).toBe("success");

    // Every LookupEvents fails from here: a read that asked CloudTrail would fail, "not yet" asks nothing.
    await fault("access-denied");
    const early = await readRunSigner(gateway(), view(runA));
    expect(early).toMatchObject({ ok: true, data: { state: "not-yet", userName: null, readyAt: new Date(Date.parse(runA.updated_at) + 16 * 60_000).toISOString() } });
    // Still not yet a few seconds before the window's end (updatedAt + 1 min) is 15 minutes old.
    expect(await readRunSigner(gateway({ now: after(runA, 15.9) }), view(runA))).toMatchObject({ ok: true, data: { state: "not-yet" } });
    await f.sb().admin("DELETE", "/_sandbox/faults");

    // The Fleet row right after the run: no user named, and it says why.
    const now = ctx();
    const first = Object.fromEntries((await readFleet(now, served())).rows.map((r) => [r.repository, r]));
    expect(first["acme/web-gateway"].holdsKeyOf).toBeNull();
    expect(first["acme/web-gateway"].signerNote).toMatch(/^Who signed its last run: not asked yet, CloudTrail may still be delivering its events \(asked from .* UTC\)\.$/);

    // 16 minutes after the run: asked, and the one IAM user whose key signed it.
    const signer = await readRunSigner(gateway({ now: after(runA, 16) }), view(runA));
    expect(signer).toMatchObject({ ok: true, data: { state: "signed", userName: "ecr-push-payments" } });

    // A Fleet read never waits for CloudTrail: the first one queues the lookup, and once it is done a re-judged row
    // names the signer.
    const c = { ...ctx(), now: after(runA, 17) };
    await readFleet(c, served());
    await readRunSigner({ ...c, clients: gateway().clients }, view(runA));
    invalidatePosture(c.cache);
    const by = Object.fromEntries((await readFleet(c, served())).rows.map((r) => [r.repository, r]));
    expect(by["acme/web-gateway"].holdsKeyOf).toBe("ecr-push-payments");
    expect(by["acme/web-gateway"].signerNote).toBeNull();
    expect(by["acme/web-gateway"].key).toBeNull();
    // The default repository holds the configured user's key as before: nothing read or said about a signer there.
    expect(by["acme/mcp-servers"].holdsKeyOf).toBeNull();
    expect(by["acme/mcp-servers"].signerNote).toBeNull();
  }, 120_000);

  it("a failed lookup is remembered for a few minutes (naming the call), not asked again on every read, then asked again", async () => {
    let t = 1_000_000;
    const cache = new TtlCache(() => t);
    const c = gateway({ cache, now: after(runA, 20) });
    await fault("503");
    const failed = await readRunSigner(c, view(runA));
    expect(failed).toMatchObject({ ok: false, failure: { service: "cloudtrail", call: "LookupEvents (EventSource ecr.amazonaws.com)", kind: "unavailable" } });
    expect(!failed.ok && failed.failure.message).toMatch(/^CloudTrail LookupEvents \(EventSource ecr\.amazonaws\.com\) failed/);
    // CloudTrail answers again, and refuses the next call if one were made: the remembered failure is what a read gets.
    await f.sb().admin("DELETE", "/_sandbox/faults");
    await f.sb().admin("POST", "/_sandbox/faults", { service: "cloudtrail", operation: "LookupEvents", kind: "access-denied", count: 1 });
    t += SIGNER_FAILURE_TTL_MS - 1000;
    expect(await readRunSigner(c, view(runA))).toMatchObject({ ok: false, failure: { kind: "unavailable" } });
    // The Fleet row says it could not be read, naming the call (the shared cache holds the failure).
    const row = (await readFleet({ ...ctx(), cache, now: after(runA, 20) }, served())).rows.find((r) => r.repository === "acme/web-gateway")!;
    expect(row.holdsKeyOf).toBeNull();
    expect(row.signerNote).toMatch(/^Who signed its last run could not be read: CloudTrail LookupEvents \(EventSource ecr\.amazonaws\.com\) failed/);
    await f.sb().admin("DELETE", "/_sandbox/faults");
    // Past the five minutes it is asked again.
    t += 2000;
    expect(await readRunSigner(c, view(runA))).toMatchObject({ ok: true, data: { state: "signed", userName: "ecr-push-payments" } });
  }, 60_000);

  it("a lookup that hits its cap in a busy account answers 'cannot tell', never the user whose calls filled the cap", async () => {
    const { iam } = f.sb().clients.aws;
    await iam.send(new CreateUserCommand({ UserName: "ecr-push-noisy" }));
    await iam.send(new PutUserPolicyCommand({ UserName: "ecr-push-noisy", PolicyName: "ecr-push-policy", PolicyDocument: JSON.stringify(GUIDE_PUSH_POLICY) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "ecr-push-noisy" }))).AccessKey!;
    const runB = await runWorkflow("acme", "web-gateway");
    expect(runB.conclusion).toBe("success");
    // Right after the run (inside its window's minute of slack), another repository's run signs ECR and STS calls
    // with another user's key (plain SDK clients, as a workflow's: not Deckhand's User-Agent): the newest events.
    await new Promise((r) => setTimeout(r, 300)); // the sandbox's key propagation (200 ms)
    const other = { region: "us-east-1", endpoint: f.sb().url, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } };
    const [ecr, sts] = [new ECRClient(other), new STSClient(other)];
    for (let i = 0; i < 3; i++) {
      await ecr.send(new GetAuthorizationTokenCommand({}));
      await sts.send(new GetCallerIdentityCommand({}));
    }
    ecr.destroy();
    sts.destroy();
    const later = after(runB, 16);
    // Capped at 2 events a service, both lookups read only the noisy user's calls: without the cap check that would
    // name ecr-push-noisy.
    expect(await readRunSigner(gateway({ now: later }), view(runB), { maxEventsPerSource: 2 })).toMatchObject({
      ok: true,
      data: { state: "too-many-events", userName: null, eventSource: "ecr.amazonaws.com", read: 2 },
    });
    // The whole window: two users signed in it, so it cannot tell either.
    expect(await readRunSigner(gateway({ now: later }), view(runB))).toMatchObject({ ok: true, data: { state: "several", candidates: ["ecr-push-noisy", "ecr-push-payments"] } });
  }, 120_000);

  it("paces its LookupEvents requests: four requests (two runs, two services each) take at least three seconds", async () => {
    const runs = (await f.sb().clients.github.rest.actions.listWorkflowRuns({ owner: "acme", repo: "web-gateway", workflow_id: "ecr.yml", per_page: 2 })).data.workflow_runs;
    expect(runs).toHaveLength(2);
    const c = gateway({ now: after(runs[0], 16) });
    const t0 = Date.now();
    const answers = await Promise.all(runs.map((r) => readRunSigner(c, view(r))));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_900);
    expect(answers.every((a) => a.ok)).toBe(true);
  }, 60_000);
});
