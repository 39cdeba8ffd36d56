// The new secret access key must never reach logs, the store (any table, the database files), the
// audit log, or anything the pages and the polling route serialize. Run a rotation with retries, a
// stop and a resume (so every log path is exercised), then search for the value everywhere.

import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { listAudit } from "../../infra/audit/record-audit";
import { resumeRotation, startRotation } from "./rotate-access-key";
import { readRotation, readRotationPlan } from "../../read/rotation";
import { dumpStore, readsOf, sandboxSecret, testContext, testExtras } from "./testing/rotation-test-kit";

const sbx = sharedTestSandbox();

function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) console[m] = (...args: unknown[]) => void chunks.push(args.map((a) => (typeof a === "string" ? a : (() => { try { return JSON.stringify(a); } catch { return String(a); } })())).join(" "));
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: unknown, ...rest: unknown[]) => (chunks.push(String(c)), (out as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((c: unknown, ...rest: unknown[]) => (chunks.push(String(c)), (err as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stderr.write;
  return {
    text: () => chunks.join("\n"),
    restore: () => {
      methods.forEach((m, i) => (console[m] = saved[i]));
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

it("the new secret is in no log, table, database file, audit entry or serialized view", async () => {
  const { ctx, db, dir } = testContext(sbx);
  const output = captureOutput();
  const serialized: string[] = [];
  try {
    console.warn("capture-check");
    // Throttling and a failed canary make the runner retry, log and stop; the resume finishes it.
    await sbx.admin("POST", "/_sandbox/faults", { service: "iam", operation: "CreateAccessKey", kind: "throttle", count: 2 });
    await sbx.admin("POST", "/_sandbox/faults", { service: "github", operation: "PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}", kind: "502", count: 1 });
    await sbx.admin("POST", "/_sandbox/faults", { service: "ecr", operation: "DescribeRepositories", kind: "access-denied", count: -1 });
    const started = await startRotation(ctx, {}, testExtras(sbx));
    const stopped = await started.done;
    expect(stopped.state).toBe("stopped");
    serialized.push(JSON.stringify(stopped), JSON.stringify(readRotation(ctx, stopped.id)!.view));
    await sbx.admin("DELETE", "/_sandbox/faults");
    const resumed = await (await resumeRotation(ctx, { rotationId: stopped.id }, testExtras(sbx))).done;
    expect(resumed.state).toBe("completed");
    const found = readRotation(ctx, resumed.id)!;
    serialized.push(JSON.stringify(resumed), JSON.stringify(found), JSON.stringify(await readRotationPlan(readsOf(ctx))));
  } finally {
    output.restore();
    await sbx.admin("DELETE", "/_sandbox/faults");
  }

  const newSecret = await sandboxSecret(sbx, "AWS_SECRET_ACCESS_KEY");
  expect(newSecret).toMatch(/^[A-Za-z0-9/+=]{40}$/);

  expect(output.text()).not.toContain(newSecret);
  expect(output.text()).toContain("capture-check");
  expect(dumpStore(db)).not.toContain(newSecret);
  for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f)).includes(Buffer.from(newSecret!)), f).toBe(false);
  const audit = JSON.stringify(listAudit(db, { limit: 500 }));
  expect(audit).toContain("rotation.write-secrets.end");
  expect(audit).not.toContain(newSecret);
  for (const s of serialized) expect(s).not.toContain(newSecret);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 90_000);
