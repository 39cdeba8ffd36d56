import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateAccessKeyCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../tooling/testing/sandbox-fixture";
import { TtlCache } from "../infra/cache/ttl-cache";
import { openDb, type Db } from "../infra/db/open-db";
import { insertRotation, setRotation } from "../operations/rotation/store";
import type { Actor } from "../operations/context";
import { readKeyVerdicts } from "./credentials";
import { readDoctorChecks } from "./doctor";

let sb: TestSandbox;
let db: Db;
let dir: string;
const who: Actor = { login: "octo-operator", role: "operator" };

beforeAll(async () => {
  sb = await startTestSandbox();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-cred-"));
  db = openDb(dir);
  // A second active key, as a rotation has between creating the new key and deactivating the old one.
  await sb.clients.aws.iam.send(new CreateAccessKeyCommand({ UserName: "github-ecr-push" }));
});
afterAll(async () => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await sb?.close();
});

const ctx = () => ({ clients: sb.clients, cache: new TtlCache(), userName: "github-ecr-push", policyName: "ecr-push-policy", db });

describe("two active keys and the rotation state", () => {
  it("during a rotation they are expected (info), on the Credentials page and in the Doctor", async () => {
    const { rotationId } = insertRotation(db, { trigger: "operator", requestedBy: "octo-operator", userName: "github-ecr-push", who });
    const view = await readKeyVerdicts(ctx());
    expect(view.ok).toBe(true);
    if (!view.ok) return;
    expect(view.data.account.map((a) => a.code)).toEqual(["rotation-in-progress"]);
    const checks = await readDoctorChecks(ctx());
    expect(JSON.stringify(checks)).not.toMatch(/outside a rotation/);
    setRotation(db, rotationId, { state: "completed" }, who, "rotation.complete");
  });

  it("outside a rotation they are a warning naming the older key", async () => {
    const view = await readKeyVerdicts(ctx());
    if (!view.ok) throw new Error("keys not read");
    const finding = view.data.account.find((a) => a.code === "two-active-keys");
    expect(finding?.severity).toBe("warn");
    expect(finding?.message).toMatch(/Two active keys outside a rotation/);
  });
});
