import { describe, expect, it } from "vitest";
import { parseWholeDays, refNameProblem } from "./form-input";

const days = (raw: unknown) => parseWholeDays(raw, { min: 1, max: 3650 });

describe("parseWholeDays", () => {
  it("reads digits", () => {
    expect(days("90")).toEqual({ ok: true, days: 90 });
    expect(days(" 7 ")).toEqual({ ok: true, days: 7 });
    expect(days(45)).toEqual({ ok: true, days: 45 });
  });
  it("refuses a blank field instead of reading 0", () => {
    expect(days("")).toEqual({ ok: false, message: "Enter a number of days (1 to 3650)" });
    expect(days(undefined)).toMatchObject({ ok: false });
  });
  it("refuses exponents, fractions, hex and units, naming what was typed", () => {
    for (const raw of ["1e3", "1.5", "0x10", "7 days", "-3", "+4", "Infinity", "NaN"]) {
      const r = days(raw);
      expect(r.ok, raw).toBe(false);
      if (!r.ok) expect(r.message).toContain(`“${raw}”`);
    }
    expect(days(1.5)).toMatchObject({ ok: false });
  });
  it("names the limits", () => {
    expect(days("0")).toEqual({ ok: false, message: "At least 1 day" });
    expect(days("3651")).toEqual({ ok: false, message: "At most 3650 days" });
    expect(parseWholeDays("0", { min: 0, max: 365 })).toEqual({ ok: true, days: 0 });
  });
});

describe("refNameProblem", () => {
  it("accepts ordinary branch and tag names", () => {
    for (const ok of ["main", "release/2026.1", "feature/x-y_z", "v1.2.3"]) expect(refNameProblem(ok), ok).toBeNull();
  });
  it("names the character git refuses", () => {
    expect(refNameProblem("my branch")).toBe("A branch or tag name cannot contain a space");
    expect(refNameProblem("fix~1")).toContain("“~”");
    expect(refNameProblem("a:b")).toContain("“:”");
    expect(refNameProblem("what?")).toContain("“?”");
    expect(refNameProblem("a*")).toContain("“*”");
    expect(refNameProblem("a[b")).toContain("“[”");
    expect(refNameProblem("a\\b")).toContain("“\\”");
    expect(refNameProblem("up^")).toContain("“^”");
    expect(refNameProblem("a\u0007")).toContain("control characters");
  });
  it("names the sequence git refuses", () => {
    expect(refNameProblem("a..b")).toContain("“..”");
    expect(refNameProblem("a@{1}")).toContain("“@{”");
    expect(refNameProblem("a//b")).toContain("“//”");
    expect(refNameProblem("/main")).toContain("“/”");
    expect(refNameProblem("-main")).toContain("“-”");
    expect(refNameProblem("main.")).toContain("end with “.”");
    expect(refNameProblem("x/.hidden")).toContain("start with “.”");
    expect(refNameProblem("main.lock")).toContain(".lock");
    expect(refNameProblem("@")).not.toBeNull();
    expect(refNameProblem("x".repeat(256))).toContain("255");
  });
});
