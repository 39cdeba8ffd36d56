import { describe, expect, it } from "vitest";
import { answerWebhook, MAX_WEBHOOK_BODY_BYTES } from "./answer-webhook";
import { signWebhookBody } from "./verify-webhook-signature";

const SECRET = "s3cret";
const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const push = (over: object = {}) => ({ ref: "refs/heads/main", after: SHA, deleted: false, repository: { full_name: "acme/shop", default_branch: "main" }, ...over });

function deliver(body: string | object, over: Partial<Parameters<typeof answerWebhook>[0]> & { event?: string; seen?: string[]; contentType?: string } = {}) {
  const raw = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return answerWebhook({
    secret: SECRET,
    rawBody: raw,
    headers: { signature: signWebhookBody(SECRET, raw), event: over.event ?? "push", delivery: "d-1", contentType: over.contentType ?? "application/json" },
    seenDelivery: (id) => (over.seen ?? []).includes(id),
    repository: "acme/shop",
    branch: "main",
    ...over,
  });
}

describe("answerWebhook", () => {
  it("enqueues a signed push to the branch (202)", () => {
    expect(deliver(push())).toMatchObject({ status: 202, outcome: "enqueue", decision: { action: "enqueue", sha: SHA } });
  });

  it("pongs a ping (200)", () => {
    expect(deliver({ zen: "Design for failure.", hook_id: 1 }, { event: "ping" })).toMatchObject({ status: 200, outcome: "pong" });
  });

  it("acknowledges and ignores branch deletion, other branches and tags (200), other events (202)", () => {
    expect(deliver(push({ deleted: true, after: "0".repeat(40) }))).toMatchObject({ status: 200, outcome: "ignored", reason: expect.stringMatching(/^branch-deleted/) });
    expect(deliver(push({ ref: "refs/heads/dev" }))).toMatchObject({ status: 200, outcome: "ignored", reason: expect.stringMatching(/^other-branch/) });
    expect(deliver(push({ ref: "refs/tags/v1" }))).toMatchObject({ status: 200, outcome: "ignored" });
    expect(deliver({ action: "opened" }, { event: "issues" })).toMatchObject({ status: 202, outcome: "ignored", reason: expect.stringMatching(/^other-event/) });
  });

  it("fails closed without a secret (503), before looking at the signature", () => {
    expect(deliver(push(), { secret: "" })).toMatchObject({ status: 503, outcome: "unconfigured" });
    expect(deliver(push(), { secret: undefined })).toMatchObject({ status: 503 });
  });

  it("rejects a missing or wrong signature (401)", () => {
    const raw = Buffer.from(JSON.stringify(push()));
    const base = { secret: SECRET, rawBody: raw, seenDelivery: () => false, repository: "acme/shop", branch: "main" };
    expect(answerWebhook({ ...base, headers: { event: "push", delivery: "d" } })).toMatchObject({ status: 401, reason: "signature missing" });
    expect(answerWebhook({ ...base, headers: { event: "push", delivery: "d", signature: signWebhookBody("other", raw) } })).toMatchObject({ status: 401, reason: "signature mismatch" });
    expect(answerWebhook({ ...base, headers: { event: "push", delivery: "d", signature: "sha1=abc" } })).toMatchObject({ status: 401, reason: "signature malformed" });
  });

  it("answers a redelivery 200 without enqueueing", () => {
    expect(deliver(push(), { seen: ["d-1"] })).toEqual({ status: 200, outcome: "duplicate", reason: "delivery d-1 already received" });
  });

  it("refuses an oversize body (413) before verifying it", () => {
    // JSON allows trailing whitespace: the same push, padded to exactly the cap, and one byte past it.
    const json = JSON.stringify(push());
    const atCap = json + " ".repeat(MAX_WEBHOOK_BODY_BYTES - json.length);
    expect(deliver(atCap + " ", { secret: "" })).toMatchObject({ status: 413, outcome: "too-large" });
    expect(deliver(atCap).status).toBe(202);
  });

  it("rejects signed but malformed JSON (400) and a missing delivery id", () => {
    expect(deliver("{not json")).toMatchObject({ status: 400, outcome: "bad-request", reason: "payload is not valid JSON" });
    const raw = Buffer.from(JSON.stringify(push()));
    expect(
      answerWebhook({ secret: SECRET, rawBody: raw, headers: { event: "push", signature: signWebhookBody(SECRET, raw) }, seenDelivery: () => false, repository: "acme/shop" }),
    ).toMatchObject({ status: 400, reason: "missing X-GitHub-Delivery" });
  });

  it("reads the form content type GitHub can be configured to send", () => {
    const form = "payload=" + encodeURIComponent(JSON.stringify(push()));
    expect(deliver(form, { contentType: "application/x-www-form-urlencoded" })).toMatchObject({ status: 202, outcome: "enqueue" });
    expect(deliver("nopayload=1", { contentType: "application/x-www-form-urlencoded" })).toMatchObject({ status: 400 });
  });
});
