import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../infra/db/open-db";
import { activeSetup, beginSetupStep, claimSetup, endSetupStep, insertSetup, listSetupSteps, releaseSetup, SetupBusyError, setSetupState } from "./store";

const names = { userName: "github-ecr-push", policyName: "ecr-push-policy", region: "us-east-1" };
const who = { login: "octo-operator", role: "operator" as const };
let dir: string;
let db: Db;
afterEach(() => {
  db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});
const fresh = () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-setup-store-"));
  db = openDb(dir);
  return db;
};

describe("setup store", () => {
  it("allows one running or stopped setup at a time", () => {
    fresh();
    const id = insertSetup(db, { requestedBy: "octo-operator", names, plan: [], removeRegionSecretConfirmed: false, who });
    expect(() => insertSetup(db, { requestedBy: "octo-operator", names, plan: [], removeRegionSecretConfirmed: false, who })).toThrow(SetupBusyError);
    setSetupState(db, id, { state: "stopped", message: "x" }, who);
    expect(() => insertSetup(db, { requestedBy: "o", names, plan: [], removeRegionSecretConfirmed: false, who })).toThrow(SetupBusyError);
    setSetupState(db, id, { state: "completed" }, who);
    expect(activeSetup(db)).toBeNull();
    expect(insertSetup(db, { requestedBy: "o", names, plan: [], removeRegionSecretConfirmed: false, who })).toBeGreaterThan(id);
  });

  it("records a step as running before it ends, merging its detail", () => {
    fresh();
    const id = insertSetup(db, { requestedBy: "octo-operator", names, plan: [], removeRegionSecretConfirmed: true, who });
    const step = beginSetupStep(db, id, "create-key", who);
    expect(listSetupSteps(db, id)).toMatchObject([{ step: "create-key", outcome: "running", endedAt: null }]);
    endSetupStep(db, step, { outcome: "succeeded", detail: { rotationId: 3 } }, who);
    expect(listSetupSteps(db, id)).toMatchObject([{ step: "create-key", outcome: "succeeded", detail: { rotationId: 3 } }]);
  });

  it("lets one live process run a setup; a dead owner's claim is free", () => {
    fresh();
    const id = insertSetup(db, { requestedBy: "octo-operator", names, plan: [], removeRegionSecretConfirmed: false, who });
    expect(claimSetup(db, id, `${os.hostname()}:${process.ppid}`)).toBe(true);
    expect(claimSetup(db, id)).toBe(false);
    releaseSetup(db, id, `${os.hostname()}:${process.ppid}`);
    expect(claimSetup(db, id, `${os.hostname()}:999999999`)).toBe(true);
    // pid 999999999 does not exist: its claim is free.
    expect(claimSetup(db, id)).toBe(true);
  });
});
