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
  });
  it("is never a success when nothing was built: no service, or every service not built", () => {
    expect(summarizeOutcomes([])).toEqual({ state: "failed", status: { state: "failure", description: "no service to build: the compose file defines none" } });
    expect(summarizeOutcomes([{ service: "db", result: "not-built" }, { service: "debug", result: "not-built" }])).toEqual({
      state: "failed",
      status: { state: "failure", description: "no service to build: not built db, debug" },
    });
  });
  it("names services not built beside those built", () => {
    expect(summarizeOutcomes([{ service: "app", result: "pushed" }, { service: "debug", result: "not-built" }]).status).toEqual({
      state: "success",
      description: "pushed app; not built debug",
    });
    expect(summarizeOutcomes([{ service: "app", result: "skipped" }, { service: "debug", result: "not-built" }])).toEqual({
      state: "skipped",
      status: { state: "success", description: "unchanged: app; not built debug" },
    });
  });
  it("fails when every service failed, and when one failed in the compose file while another pushed", () => {
    expect(summarizeOutcomes([{ service: "a", result: "failed" }]).state).toBe("failed");
    expect(summarizeOutcomes([{ service: "a", result: "pushed" }, { service: "m", result: "failed" }, { service: "db", result: "not-built" }]).status).toEqual({
      state: "failure",
      description: "pushed a; failed m; not built db",
    });
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

  it("a service refused its ECR repository (issue 16) fails the job, the status naming the repository and its owner", () => {
    const error = "ECR repository web is owned by acme/mcp-servers: nothing pushed from acme/web-gateway. Give this service a distinct image: name";
    expect(
      summarizeOutcomes([
        { service: "web", result: "failed", reason: "ecr-repository-refused", error },
        { service: "api", result: "pushed", reason: "config-differs" },
      ]),
    ).toEqual({ state: "failed", status: { state: "failure", description: "pushed api; failed web (ECR repository web is owned by acme/mcp-servers)" } });
  });
});
