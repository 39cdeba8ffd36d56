import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "../../infra/db/open-db";
import { DEFAULT_GRACE_DAYS, getGraceDays, graceDaysSchema, setGraceDays } from "./grace-days";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-grace-"));
const db = openDb(dir);
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the key's grace period setting", () => {
  it("defaults to 7 days, is set and says what changed, and refuses bad values", () => {
    expect(getGraceDays(db)).toBe(DEFAULT_GRACE_DAYS);
    expect(setGraceDays({ db, actor: { login: "octo-operator", role: "operator" } }, 14)).toEqual({ oidcGraceDays: { from: 7, to: 14 } });
    expect(getGraceDays(db)).toBe(14);
    expect(setGraceDays({ db, actor: { login: "octo-operator", role: "operator" } }, 14)).toEqual({});
    for (const bad of ["0", "91", "2.5", "x", ""]) expect(graceDaysSchema.safeParse(bad).success, bad).toBe(false);
    expect(graceDaysSchema.parse("30")).toBe(30);
  });
});
