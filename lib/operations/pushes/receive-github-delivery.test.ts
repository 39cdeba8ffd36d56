import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb } from "../../infra/db/open-db";
import { setWebhookPushes } from "../settings/webhook-pushes";
import { listJobs } from "./job-store";
import { signWebhookBody } from "../../judgements/push/verify-webhook-signature";
import { listDeliveries, receiveGitHubDelivery, WEBHOOK_PUSHES_OFF } from "./receive-github-delivery";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function db() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-hook-"));
  dirs.push(d);
  return openDb(d);
}

const secret = "It's a Secret to Everybody";
const settings = { secret, repository: "acme/mcp-servers", branch: undefined };
const sha = "a".repeat(40);
const pushPayload = (over: Record<string, unknown> = {}) => ({
  ref: "refs/heads/main",
  before: "0".repeat(40),
  after: sha,
  deleted: false,
  repository: { full_name: "acme/mcp-servers", default_branch: "main" },
  ...over,
});

function deliver(d: ReturnType<typeof db>, event: string, body: unknown, opts: { id?: string; sign?: string | null; raw?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  return receiveGitHubDelivery(d, settings, {
    event,
    deliveryId: opts.id ?? `id-${Math.random().toString(16).slice(2)}`,
    signature: opts.sign === undefined ? signWebhookBody(secret, raw) : opts.sign,
    rawBody: Buffer.from(raw),
  });
}

describe("receiveGitHubDelivery", () => {
  it("records a signed push to the default branch as pending, queueing nothing before the forward-only check", () => {
    const d = db();
    const out = deliver(d, "push", pushPayload(), { id: "d-1" });
    expect(out.status).toBe(202);
    expect(out.body).toMatchObject({ outcome: "pending", reason: `checking that ${sha.slice(0, 7)} moves main forward` });
    // The job is queued by processPendingDeliveries once GitHub says the commit moves main forward.
    expect(listJobs(d)).toHaveLength(0);
    expect(listDeliveries(d)[0]).toMatchObject({ id: "d-1", event: "push", outcome: "pending", sha, ref: "refs/heads/main" });
  });

  it("with webhook pushes turned off in Settings, a push is recorded as ignored with why, and nothing waits for a build", () => {
    const d = db();
    setWebhookPushes({ db: d, actor: { login: "octo-operator", role: "operator" } }, false);
    const out = deliver(d, "push", pushPayload(), { id: "d-off" });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ outcome: "ignored", reason: "pushes-off", detail: WEBHOOK_PUSHES_OFF });
    expect(listDeliveries(d)[0]).toMatchObject({ id: "d-off", outcome: "ignored", reason: WEBHOOK_PUSHES_OFF, sha });
    expect(listJobs(d)).toHaveLength(0);
    // Back on: the next push is pending again.
    setWebhookPushes({ db: d, actor: { login: "octo-operator", role: "operator" } }, true);
    expect(deliver(d, "push", pushPayload({ after: "b".repeat(40) })).body).toMatchObject({ outcome: "pending" });
  });

  it("answers a repeated delivery id with 200 and records nothing new", () => {
    const d = db();
    deliver(d, "push", pushPayload(), { id: "d-1" });
    const again = deliver(d, "push", pushPayload({ after: "b".repeat(40) }), { id: "d-1" });
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe("duplicate");
    expect(listDeliveries(d)).toHaveLength(1);
    expect(listJobs(d)).toHaveLength(0);
  });

  it.each([
    ["no secret configured", 503, (d: ReturnType<typeof db>) => receiveGitHubDelivery(d, { ...settings, secret: undefined }, { event: "push", deliveryId: "x", signature: signWebhookBody(secret, "{}"), rawBody: Buffer.from("{}") })],
    ["a missing signature", 401, (d: ReturnType<typeof db>) => deliver(d, "push", pushPayload(), { sign: null })],
    ["a wrong signature", 401, (d: ReturnType<typeof db>) => deliver(d, "push", pushPayload(), { sign: signWebhookBody("other secret", JSON.stringify(pushPayload())) })],
    ["malformed JSON", 400, (d: ReturnType<typeof db>) => deliver(d, "push", null, { raw: "{not json" })],
  ])("refuses %s with %i and records nothing", (_name, status, run) => {
    const d = db();
    expect(run(d).status).toBe(status);
    expect(listDeliveries(d)).toHaveLength(0);
    expect(listJobs(d)).toHaveLength(0);
  });

  it("refuses a body whose signature covered other bytes (re-serialised JSON)", () => {
    const d = db();
    const raw = JSON.stringify(pushPayload(), null, 2);
    const out = receiveGitHubDelivery(d, settings, { event: "push", deliveryId: "z", signature: signWebhookBody(secret, JSON.stringify(pushPayload())), rawBody: Buffer.from(raw) });
    expect(out.status).toBe(401);
    expect(listDeliveries(d)).toHaveLength(0);
  });

  it.each([
    ["another branch", pushPayload({ ref: "refs/heads/feature" }), "other-branch"],
    ["a tag", pushPayload({ ref: "refs/tags/v1" }), "tag-push"],
    ["a branch deletion", pushPayload({ deleted: true, after: "0".repeat(40) }), "branch-deleted"],
  ])("acknowledges and ignores a push to %s with the reason recorded", (_name, body, reason) => {
    const d = db();
    const out = deliver(d, "push", body);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ outcome: "ignored", reason });
    expect(listJobs(d)).toHaveLength(0);
    expect(listDeliveries(d)[0].reason).toMatch(new RegExp(`^${reason}`));
  });

  it("answers ping with 200 and other events with 202, enqueueing nothing", () => {
    const d = db();
    expect(deliver(d, "ping", { zen: "Design for failure." }).status).toBe(200);
    expect(deliver(d, "issues", { action: "opened" }).status).toBe(202);
    expect(listJobs(d)).toHaveLength(0);
    expect(listDeliveries(d).map((r) => r.outcome).sort()).toEqual(["ignored", "pong"]);
  });
});
