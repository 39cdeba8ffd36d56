import { describe, expect, it } from "vitest";
import { selectProfiles, type ServiceProfiles } from "./select-profiles";

// The specification's illustrative example (15-profiles.md).
const example = new Map<string, ServiceProfiles>([
  ["foo", { profiles: [], dependsOn: [] }],
  ["bar", { profiles: ["test"], dependsOn: [] }],
  ["baz", { profiles: ["test"], dependsOn: [{ service: "bar", required: true }] }],
  ["zot", { profiles: ["debug"], dependsOn: [{ service: "bar", required: true }] }],
]);
const enabled = (active: string[]) =>
  [...selectProfiles(example, active)].filter(([, s]) => s.enabled).map(([n]) => n);

describe("selectProfiles (Compose Specification, Profiles)", () => {
  it("no profile: only services without profiles", () => {
    expect(enabled([])).toEqual(["foo"]);
    const bar = selectProfiles(example, []).get("bar");
    expect(bar).toMatchObject({ enabled: false, reason: expect.stringMatching(/needs the profile test.*active: none/) });
  });

  it("test: bar and baz with foo; debug: foo and zot, and zot is invalid for its depends_on", () => {
    expect(enabled(["test"])).toEqual(["foo", "bar", "baz"]);
    const debug = selectProfiles(example, ["debug"]);
    expect(enabled(["debug"])).toEqual(["foo", "zot"]);
    expect(debug.get("zot")).toEqual({ enabled: true, problems: [expect.stringMatching(/depends_on: service "bar" is disabled \(profiles test not active\)/)] });
    expect(debug.get("foo")).toEqual({ enabled: true, problems: [] });
  });

  it("debug and test: everything, valid; * enables every profile", () => {
    expect(enabled(["debug", "test"])).toEqual(["foo", "bar", "baz", "zot"]);
    expect([...selectProfiles(example, ["debug", "test"]).values()].every((s) => s.enabled && s.problems.length === 0)).toBe(true);
    expect(enabled(["*"])).toEqual(["foo", "bar", "baz", "zot"]);
  });

  it("an optional dependency (required: false) is ignored; an undefined one is a problem", () => {
    const s = new Map<string, ServiceProfiles>([
      ["app", { profiles: [], dependsOn: [{ service: "tools", required: false }, { service: "ghost", required: true }] }],
      ["tools", { profiles: ["debug"], dependsOn: [] }],
    ]);
    expect(selectProfiles(s, []).get("app")).toEqual({ enabled: true, problems: ['depends_on: service "ghost" is not defined'] });
  });
});
