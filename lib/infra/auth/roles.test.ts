import { describe, expect, it } from "vitest";
import { roleAllows, roleFor } from "./roles";

describe("roleFor", () => {
  const lists = { operators: ["Octo-Operator"], viewers: ["octo-viewer", "octo-operator"] };
  it("matches logins case-insensitively and prefers operator", () => {
    expect(roleFor("octo-operator", lists)).toBe("operator");
    expect(roleFor("OCTO-VIEWER", lists)).toBe("viewer");
  });
  it("refuses anyone else, and no login at all", () => {
    expect(roleFor("mallory", lists)).toBeNull();
    expect(roleFor("", lists)).toBeNull();
    expect(roleFor(undefined, lists)).toBeNull();
  });
  it("lets operators do what viewers may, not the reverse", () => {
    expect(roleAllows("operator", "viewer")).toBe(true);
    expect(roleAllows("viewer", "operator")).toBe(false);
    expect(roleAllows("viewer", "viewer")).toBe(true);
  });
});
