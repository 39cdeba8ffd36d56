import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { startTestSandbox, type TestSandbox } from "@/lib/tooling/testing/sandbox-fixture";
import { resetConfigForTests } from "@/lib/infra/config/env";
import { GET as getChecks } from "./route";
import { GET as getMetrics } from "../metrics/route";

const TOKEN = "test-api-token-0123456789";
let sb: TestSandbox;
let dataDir: string;
const ctx = { params: Promise.resolve({}) };
const req = (url: string, token?: string) => new NextRequest(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  sb = await startTestSandbox();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-api-"));
  Object.assign(process.env, { DECKHAND_MODE: "sandbox", DECKHAND_DATA_DIR: dataDir, SANDBOX_PORT: new URL(sb.url).port, DECKHAND_API_TOKEN: TOKEN });
  resetConfigForTests();
});
afterAll(async () => {
  await sb?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("GET /api/checks and /api/metrics", () => {
  it("refuse a missing or wrong bearer token", async () => {
    expect((await getChecks(req("http://x/api/checks"), ctx)).status).toBe(401);
    expect((await getMetrics(req("http://x/api/metrics", "wrong-token-0123456789"), ctx)).status).toBe(401);
  });

  it("serve the doctor's checks as JSON", async () => {
    const res = await getChecks(req("http://x/api/checks", TOKEN), ctx);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; checks: { id: string; status: string; summary: string }[] };
    expect(body.ok).toBe(false);
    const denied = body.checks.find((c) => c.id === "access-denied")!;
    expect(denied.status).toBe("fail");
    expect(denied.summary).toContain("ecr:CompleteLayerUpload");
    expect(body.checks).toHaveLength(7);
  });

  it("refuse a query parameter other than ?repo= (400), rather than answer for the default repository", async () => {
    const res = await getChecks(req("http://x/api/checks?repository=acme/web-gateway", TOKEN), ctx);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('Unknown query parameter "repository": the only one is ?repo=owner/name');
    const twice = await getChecks(req("http://x/api/checks?repo=acme/mcp-servers&repo=acme/web-gateway", TOKEN), ctx);
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: string }).error).toBe("?repo= is given more than once: name one repository");
    const empty = await getChecks(req("http://x/api/checks?repo=", TOKEN), ctx);
    expect(empty.status).toBe(400);
  });

  it("serve key age, check status and drift as Prometheus gauges", async () => {
    const res = await getMetrics(req("http://x/api/metrics", TOKEN), ctx);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // Labelled by push user and by repository, also with one of each (issue 16: metrics carry the repository).
    expect(text).toMatch(/^deckhand_access_key_age_days\{user="github-ecr-push",access_key_id="AKIA[A-Z0-9]+",status="Active"\} 97$/m);
    expect(text).toContain('deckhand_check_status{repository="acme/mcp-servers",check="access-denied"} 0');
    expect(text).toContain('deckhand_policy_drift_actions{user="github-ecr-push",baseline="expected",kind="missing"} 1');
    expect(text).toContain('deckhand_policy_drift_actions{user="github-ecr-push",baseline="expected",kind="extra"} 2');
  });

  it("do not exist (404) when no token is configured", async () => {
    delete process.env.DECKHAND_API_TOKEN;
    resetConfigForTests();
    try {
      expect((await getChecks(req("http://x/api/checks", TOKEN), ctx)).status).toBe(404);
      expect((await getMetrics(req("http://x/api/metrics", TOKEN), ctx)).status).toBe(404);
    } finally {
      process.env.DECKHAND_API_TOKEN = TOKEN;
      resetConfigForTests();
    }
  });
});
