import { expect, test } from "@playwright/test";

test("GET /api/health answers without a session, with mode, version and store status", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body).toMatchObject({ status: "ok", mode: "sandbox", store: { ok: true } });
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(body.store.schemaVersion).toBeGreaterThanOrEqual(1);
});
