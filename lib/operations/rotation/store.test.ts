import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../infra/db/open-db";
import { listAudit } from "../../infra/audit/record-audit";
import { activeRotation, activeRotations, beginStep, claimLease, endStep, getRotation, insertRotation, listSteps, releaseLease, RotationBusyError, setRotation } from "./store";

let dir: string;
let db: Db;
const who = { login: "octo-operator", role: "operator" as const };
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-rstore-"));
  db = openDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const start = () => insertRotation(db, { trigger: "operator", requestedBy: "octo-operator", userName: "github-ecr-push", who });

describe("rotation store", () => {
  it("allows one running or stopped rotation per push user at a time, enforced by the database", () => {
    const { rotationId } = start();
    expect(() => start()).toThrow(RotationBusyError);
    // Even a second connection (another process) cannot insert one.
    const other = openDb(dir);
    expect(() => other.prepare(`INSERT INTO rotations (state, trigger, requested_by, user_name, keys_before, created_at, updated_at) VALUES ('stopped', 'operator', 'x', 'github-ecr-push', '[]', 'now', 'now')`).run()).toThrow(/UNIQUE/);
    other.close();
    setRotation(db, rotationId, { state: "stopped" }, who, "rotation.stop");
    expect(() => start()).toThrow(RotationBusyError);
    setRotation(db, rotationId, { state: "completed" }, who, "rotation.complete");
    expect(start().rotationId).toBe(rotationId + 1);
  });

  it("lets another push user's rotation run beside it, each found by its user, and records the repository", () => {
    const a = start();
    const b = insertRotation(db, { trigger: "operator", requestedBy: "octo-operator", userName: "ecr-push-payments", repository: "acme/web-gateway", who });
    expect(() => insertRotation(db, { trigger: "automatic", requestedBy: "deckhand", userName: "ecr-push-payments", repository: "acme/web-gateway", who })).toThrow(RotationBusyError);
    expect(activeRotation(db, "github-ecr-push")).toMatchObject({ id: a.rotationId, repository: null });
    expect(activeRotation(db, "ecr-push-payments")).toMatchObject({ id: b.rotationId, userName: "ecr-push-payments", repository: "acme/web-gateway" });
    expect(activeRotation(db, "ecr-push-search")).toBeNull();
    expect(activeRotations(db).map((r) => r.id)).toEqual([a.rotationId, b.rotationId]);
    // Any user: the oldest.
    expect(activeRotation(db)?.id).toBe(a.rotationId);
    const started = listAudit(db, { limit: 50 }).find((x) => x.action === "rotation.start" && x.target === `rotation ${b.rotationId}`);
    expect(started?.detail).toMatchObject({ user: "ecr-push-payments", repository: "acme/web-gateway" });
  });

  it("records each step's start and end with its audit entry, and patches the rotation in the same transaction", () => {
    const { rotationId, stepId } = start();
    endStep(db, stepId, { outcome: "succeeded", detail: { keysBefore: ["A"] }, rotation: { oldKeyId: "A", keysBefore: ["A"] } }, who);
    const s2 = beginStep(db, rotationId, 2, who);
    expect(listSteps(db, rotationId).map((s) => [s.step, s.outcome])).toEqual([
      [1, "succeeded"],
      [2, "running"],
    ]);
    endStep(db, s2, { outcome: "succeeded", detail: { newKeyId: "B" }, rotation: { newKeyId: "B" } }, who);
    expect(getRotation(db, rotationId)).toMatchObject({ oldKeyId: "A", newKeyId: "B", keysBefore: ["A"] });
    const actions = listAudit(db, { limit: 50 }).map((a) => `${a.actor}:${a.action}`).reverse();
    expect(actions).toEqual([
      "octo-operator:rotation.start",
      "octo-operator:rotation.preflight.start",
      "octo-operator:rotation.preflight.end",
      "octo-operator:rotation.create-key.start",
      "octo-operator:rotation.create-key.end",
    ]);
    expect(activeRotation(db)?.id).toBe(rotationId);
  });

  it("leases: a live owner keeps it, a dead process's lease is free at once", () => {
    const { rotationId } = start();
    expect(claimLease(db, rotationId, 60_000, "elsewhere-host:1")).toBe(true);
    expect(claimLease(db, rotationId, 60_000)).toBe(false);
    releaseLease(db, rotationId, "elsewhere-host:1");
    // A process on this host that has exited.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    expect(claimLease(db, rotationId, 60_000, `${os.hostname()}:${dead}`)).toBe(true);
    expect(claimLease(db, rotationId, 60_000)).toBe(true);
    expect(getRotation(db, rotationId)?.owner).toBe(`${os.hostname()}:${process.pid}`);
  });
});
