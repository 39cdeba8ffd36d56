import { expect, test } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";

const secret = "deckhand-sandbox-webhook-secret";
const sign = (body: string, key = secret) => `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
const push = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ ref: "refs/heads/feature", after: "b".repeat(40), deleted: false, repository: { full_name: "acme/mcp-servers", default_branch: "main" }, ...over });

test.describe("POST /api/webhooks/github", () => {
  const post = (request: import("@playwright/test").APIRequestContext, body: string, headers: Record<string, string>) =>
    // A Buffer goes out byte for byte; a string that is not JSON would be JSON-encoded by Playwright.
    request.post("/api/webhooks/github", { data: Buffer.from(body), headers: { "content-type": "application/json", "x-github-delivery": randomUUID(), ...headers } });

  test("refuses a bad or missing signature with 401", async ({ request }) => {
    const body = push();
    expect((await post(request, body, { "x-github-event": "push", "x-hub-signature-256": sign(body, "wrong") })).status()).toBe(401);
    expect((await post(request, body, { "x-github-event": "push" })).status()).toBe(401);
  });

  test("answers ping 200, ignores other branches, tags and deletions with the reason, and replays with 200", async ({ request }) => {
    const ping = JSON.stringify({ zen: "Keep it logically awesome.", repository: { full_name: "acme/mcp-servers" } });
    expect((await post(request, ping, { "x-github-event": "ping", "x-hub-signature-256": sign(ping) })).status()).toBe(200);
    for (const [body, reason] of [
      [push(), "other-branch"],
      [push({ ref: "refs/tags/v1.0.0" }), "tag-push"],
      [push({ ref: "refs/heads/main", deleted: true, after: "0".repeat(40) }), "branch-deleted"],
    ] as const) {
      const res = await post(request, body, { "x-github-event": "push", "x-hub-signature-256": sign(body) });
      expect(res.status()).toBe(200);
      expect(await res.json()).toMatchObject({ outcome: "ignored", reason });
    }
    const issues = JSON.stringify({ action: "opened", repository: { full_name: "acme/mcp-servers" } });
    expect((await post(request, issues, { "x-github-event": "issues", "x-hub-signature-256": sign(issues) })).status()).toBe(202);
    const id = randomUUID();
    const body = push();
    const first = await post(request, body, { "x-github-event": "push", "x-hub-signature-256": sign(body), "x-github-delivery": id });
    const replay = await post(request, body, { "x-github-event": "push", "x-hub-signature-256": sign(body), "x-github-delivery": id });
    expect(first.status()).toBe(200);
    expect(replay.status()).toBe(200);
    expect(await replay.json()).toMatchObject({ outcome: "duplicate" });
  });

  test("refuses malformed JSON with 400 and a body over 25 MB with 413", async ({ request }) => {
    const bad = "{not json";
    expect((await post(request, bad, { "x-github-event": "push", "x-hub-signature-256": sign(bad) })).status()).toBe(400);
    const big = "x".repeat(25 * 1024 * 1024 + 1);
    expect((await post(request, big, { "x-github-event": "push", "x-hub-signature-256": sign(big) })).status()).toBe(413);
  });
});
