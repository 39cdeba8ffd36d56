import { afterEach, describe, expect, it, vi } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { openDb } from "../db/open-db";
import { listAudit } from "../audit/record-audit";
import { parseConfig } from "../config/env";
import { SafeError } from "../../errors";
import type { SessionUser } from "../auth/session";
import { defineAction } from "./action-client";

vi.mock("../auth/session", () => ({ getSessionUser: async () => null }));

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup(user: SessionUser | null) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-action-"));
  dirs.push(d);
  const db = openDb(d);
  const calls: unknown[] = [];
  const action = defineAction(
    { name: "settings.update", role: "operator", input: z.object({ days: z.coerce.number().int().min(1) }) },
    async (input, ctx) => {
      calls.push(input);
      if (input.days === 13) throw new SafeError("Thirteen is unlucky", "conflict");
      if (input.days === 666) throw new Error("raw SDK failure with internals");
      return { message: "saved", target: "thresholds", detail: { days: input.days, by: ctx.actor.login } };
    },
    { getUser: async () => user, getDb: () => db, getConfig: () => parseConfig({}) },
  );
  return { db, action, calls };
}

const operator: SessionUser = { login: "octo-operator", role: "operator", name: null, image: null };
const viewer: SessionUser = { login: "octo-viewer", role: "viewer", name: null, image: null };

describe("defineAction", () => {
  it("refuses a viewer before running anything, and audits the refusal", async () => {
    const { db, action, calls } = setup(viewer);
    const out = await action({ days: 5 });
    expect(out).toMatchObject({ ok: false, code: "forbidden" });
    expect(calls).toHaveLength(0);
    expect(listAudit(db)[0]).toMatchObject({ actor: "octo-viewer", action: "settings.update", outcome: "refused" });
  });

  it("refuses without a session", async () => {
    const { db, action, calls } = setup(null);
    expect(await action({ days: 5 })).toMatchObject({ ok: false, code: "unauthenticated" });
    expect(calls).toHaveLength(0);
    expect(listAudit(db)[0]).toMatchObject({ actor: "(anonymous)", outcome: "refused" });
  });

  it("validates input and changes nothing on bad input", async () => {
    const { action, calls } = setup(operator);
    const out = await action({ days: "zero" });
    expect(out.ok).toBe(false);
    expect(out).toMatchObject({ code: "invalid-input" });
    expect(calls).toHaveLength(0);
  });

  it("a refused form gets back what was typed and each field's rule, never a secret field", async () => {
    const { action, calls } = setup(operator);
    const fd = new FormData();
    fd.set("days", "1e3x");
    fd.set("clientSecret", "s3cr3t");
    fd.set("$ACTION_ID_abc", "");
    const out = await action(null, fd);
    expect(out).toMatchObject({ ok: false, code: "invalid-input", values: { days: "1e3x" } });
    if (out.ok) throw new Error("expected a refusal");
    expect(out.fieldErrors?.days?.length).toBeGreaterThan(0);
    expect(out.values).not.toHaveProperty("clientSecret");
    expect(out.values).not.toHaveProperty("$ACTION_ID_abc");
    expect(calls).toHaveLength(0);
  });

  it("accepts FormData from a form action (prevState, formData) and audits success", async () => {
    const { db, action } = setup(operator);
    const fd = new FormData();
    fd.set("days", "7");
    fd.set("$ACTION_ID_abc", "");
    expect(await action(undefined, fd)).toEqual({ ok: true, message: "saved", data: undefined });
    expect(listAudit(db)[0]).toMatchObject({ outcome: "success", target: "thresholds", detail: { days: 7, by: "octo-operator" } });
  });

  it("shows a SafeError's message but hides other errors behind an id", async () => {
    const { db, action } = setup(operator);
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await action({ days: 13 })).toMatchObject({ ok: false, message: "Thirteen is unlucky" });
    const hidden = await action({ days: 666 });
    expect(hidden.ok).toBe(false);
    if (!hidden.ok) {
      expect(hidden.message).not.toContain("SDK");
      expect(hidden.errorId).toBeTruthy();
      expect(listAudit(db)[0]).toMatchObject({ outcome: "failure", error_id: hidden.errorId });
    }
  });
});
