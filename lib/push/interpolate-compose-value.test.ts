import { describe, expect, it } from "vitest";
import { interpolateComposeValue as i } from "./interpolate-compose-value";

const env = { TAG: "1.2", EMPTY: "", REG: "ghcr.io/acme" };

describe("interpolateComposeValue", () => {
  it("substitutes the forms Compose documents", () => {
    expect(i("$REG/api:${TAG}", env)).toBe("ghcr.io/acme/api:1.2");
    expect(i("${MISSING:-dflt}", env)).toBe("dflt");
    expect(i("${EMPTY:-dflt}", env)).toBe("dflt");
    expect(i("${EMPTY-dflt}", env)).toBe("");
    expect(i("${MISSING-dflt}", env)).toBe("dflt");
    expect(i("${TAG:+yes}/${EMPTY:+no}/${EMPTY+set}", env)).toBe("yes//set");
    expect(i("${MISSING}x$MISSING", env)).toBe("x");
    expect(i("cost $$5 and $${TAG}", env)).toBe("cost $5 and ${TAG}");
    expect(i("no vars", env)).toBe("no vars");
  });
  it("throws for required variables and bad syntax", () => {
    expect(() => i("${MISSING:?set MISSING}", env)).toThrow(/MISSING is missing a value: set MISSING/);
    expect(() => i("${EMPTY:?}", env)).toThrow(/EMPTY/);
    expect(i("${EMPTY?}", env)).toBe("");
    expect(() => i("${1BAD}", env)).toThrow(/invalid interpolation/);
    expect(() => i("${TAG", env)).toThrow(/invalid interpolation/);
  });
});
