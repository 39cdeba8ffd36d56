import { describe, expect, it } from "vitest";
import { summarizeOutcomes } from "./summarize-outcomes";

describe("summarizeOutcomes", () => {
  it("succeeds when something was pushed and nothing failed", () => {
    expect(summarizeOutcomes([{ service: "api", result: "pushed" }, { service: "web", result: "skipped" }])).toEqual({
      state: "succeeded",
      status: { state: "success", description: "pushed api; unchanged web" },
    });
  });
  it("is skipped, with a success status saying unchanged, when nothing changed", () => {
    expect(summarizeOutcomes([{ service: "api", result: "skipped" }, { service: "web", result: "skipped" }])).toEqual({
      state: "skipped",
      status: { state: "success", description: "unchanged: api, web" },
    });
    expect(summarizeOutcomes([])).toEqual({ state: "skipped", status: { state: "success", description: "unchanged: no service to build" } });
  });
  it("fails when any service failed, naming all outcomes", () => {
    expect(summarizeOutcomes([{ service: "api", result: "pushed" }, { service: "web", result: "failed" }])).toEqual({
      state: "failed",
      status: { state: "failure", description: "pushed api; failed web" },
    });
  });
  it("keeps the description within GitHub's 140 characters", () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ service: `service-${i}`, result: "skipped" as const }));
    const d = summarizeOutcomes(many).status.description;
    expect(d.length).toBe(140);
    expect(d.endsWith("…")).toBe(true);
  });
});
