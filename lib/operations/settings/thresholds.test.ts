import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb } from "../../infra/db/open-db";
import { DEFAULT_THRESHOLDS, getThresholds, thresholdsSchema, updateThresholds } from "./thresholds";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function db() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-settings-"));
  dirs.push(d);
  return openDb(d);
}

describe("thresholds", () => {
  it("start at the audit defaults", () => {
    expect(getThresholds(db())).toEqual(DEFAULT_THRESHOLDS);
  });

  it("store changes and report what changed", () => {
    const d = db();
    const changed = updateThresholds({ db: d, actor: { login: "octo-operator", role: "operator" } }, { rotateAfterDays: 60, warnAfterDays: 50, unusedAfterDays: 45 });
    expect(changed).toEqual({ rotateAfterDays: { from: 90, to: 60 }, warnAfterDays: { from: 75, to: 50 } });
    expect(getThresholds(d)).toEqual({ rotateAfterDays: 60, warnAfterDays: 50, unusedAfterDays: 45 });
  });

  it("refuse a warning that does not come before rotation, and non-numbers", () => {
    const bad = thresholdsSchema.safeParse({ rotateAfterDays: "30", warnAfterDays: "30", unusedAfterDays: "10" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(["warnAfterDays"]);
    expect(thresholdsSchema.safeParse({ rotateAfterDays: "ninety", warnAfterDays: "75", unusedAfterDays: "45" }).success).toBe(false);
    expect(thresholdsSchema.safeParse({ rotateAfterDays: "90.5", warnAfterDays: "75", unusedAfterDays: "45" }).success).toBe(false);
  });
});

describe("thresholds as typed into the form", () => {
  const base = { rotateAfterDays: "90", warnAfterDays: "75", unusedAfterDays: "45" };
  const errorsOf = (input: Record<string, string>) => {
    const r = thresholdsSchema.safeParse(input);
    return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join("."), i.message]));
  };
  it("a blank field is an error naming the range, not 0", () => {
    expect(errorsOf({ ...base, unusedAfterDays: "" })).toEqual({ unusedAfterDays: "Enter a number of days (1 to 3650)" });
  });
  it("1e3 and fractions are refused where days are expected", () => {
    expect(errorsOf({ ...base, rotateAfterDays: "1e3" }).rotateAfterDays).toContain("Whole days only");
    expect(errorsOf({ ...base, warnAfterDays: "7.5" }).warnAfterDays).toContain("Whole days only");
  });
  it("reads digits as days", () => {
    expect(thresholdsSchema.parse(base)).toEqual({ rotateAfterDays: 90, warnAfterDays: 75, unusedAfterDays: 45 });
  });
});
