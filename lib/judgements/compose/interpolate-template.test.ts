import { describe, expect, it } from "vitest";
import { interpolateTemplate, InterpolationError } from "./interpolate-template";

const env: Record<string, string> = { TAG: "1.2", EMPTY: "", REG: "ghcr.io/acme", FOO: "foo" };
const i = (t: string, vars: Record<string, string | undefined> = env) => interpolateTemplate(t, (n) => vars[n]);

describe("interpolateTemplate (Compose Specification, Interpolation)", () => {
  it("substitutes the documented forms", () => {
    expect(i("$REG/api:${TAG}")).toBe("ghcr.io/acme/api:1.2");
    expect(i("${MISSING:-dflt}")).toBe("dflt");
    expect(i("${EMPTY:-dflt}")).toBe("dflt");
    expect(i("${EMPTY-dflt}")).toBe("");
    expect(i("${MISSING-dflt}")).toBe("dflt");
    expect(i("${TAG:+yes}/${EMPTY:+no}/${EMPTY+set}/${MISSING+set}")).toBe("yes//set/");
    expect(i("${MISSING}x$MISSING")).toBe("x");
    expect(i("no vars")).toBe("no vars");
  });

  it("nests in defaults, errors and replacements, as the specification's examples do", () => {
    expect(i("${VARIABLE:-${FOO}}")).toBe("foo");
    expect(i("${VARIABLE:-${FOO:-default}}")).toBe("foo");
    expect(i("${VARIABLE:-${UNSET:-default}}")).toBe("default");
    expect(i("${A:-${B:-${C:-deep}}}/x")).toBe("deep/x");
    expect(() => i("${VARIABLE?$FOO is needed}")).toThrow("required variable VARIABLE is missing a value: foo is needed");
    expect(i("${TAG:+v${TAG}}")).toBe("v1.2");
    // Only the branch taken is evaluated (a shell does the same).
    expect(i("${TAG:-${NOPE:?never}}")).toBe("1.2");
  });

  it("$$ is a literal dollar and stops interpolation", () => {
    expect(i("cost $$5 and $${TAG}")).toBe("cost $5 and ${TAG}");
    expect(i("$$$TAG")).toBe("$1.2");
    expect(i("${MISSING:-$$HOME}")).toBe("$HOME");
  });

  it("unbraced names are greedy over [A-Za-z0-9_] and stop at anything else", () => {
    expect(i("$TAG_x", { TAG_x: "a", TAG: "b" })).toBe("a");
    expect(i("$TAG-x")).toBe("1.2-x");
    expect(i("$TAG.$TAG")).toBe("1.2.1.2");
  });

  it("required variables fail with the specification's message, empty or unset as the operator says", () => {
    expect(() => i("${MISSING:?set MISSING}")).toThrow(/^required variable MISSING is missing a value: set MISSING$/);
    expect(() => i("${EMPTY:?}")).toThrow(/^required variable EMPTY is missing a value$/);
    expect(i("${EMPTY?}")).toBe("");
    expect(() => i("${MISSING?}")).toThrow(InterpolationError);
  });

  it("refuses what Compose refuses", () => {
    for (const bad of ["${1BAD}", "${TAG", "$5", "price: 5$", "${TAG:x}", "${TAG }", "${}", "${TAG/a/b}"]) {
      expect(() => i(bad), bad).toThrow(/invalid interpolation format/);
    }
  });

  it("refuses nesting deeper than 32 levels (hostile input), and accepts 32", () => {
    const nest = (n: number) => "${A:-".repeat(n) + "x" + "}".repeat(n);
    expect(i(nest(32))).toBe("x");
    expect(() => i(nest(40))).toThrow(/nested more than 32 levels/);
  });

  it("reports unset variables used without a default", () => {
    const unset: string[] = [];
    interpolateTemplate("${A}$B${C:-x}${D-}", () => undefined, (n) => unset.push(n));
    expect(unset).toEqual(["A", "B"]);
  });
});
