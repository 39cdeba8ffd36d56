import { describe, expect, it } from "vitest";
import { pickLastEcrRun } from "./last-ecr-run";
import type { WorkflowRunInfo } from "../posture/types";

const run = (id: number, name: string | undefined, createdAt: string, conclusion: string | null = "success"): WorkflowRunInfo => ({ id, name, createdAt, conclusion, status: conclusion ? "completed" : "in_progress" });
const WF = "Build and Push to AWS ECR";

describe("pickLastEcrRun", () => {
  it("takes the first run of the workflow's name in GitHub's newest-first order, skipping other workflows", () => {
    const runs = [run(9, "CI", "2026-01-03T00:00:00Z"), run(8, WF, "2026-01-02T00:00:00Z", null), run(7, WF, "2026-01-01T00:00:00Z", "failure")];
    expect(pickLastEcrRun(runs, WF, false)).toEqual({ found: { id: 8, status: "in_progress", conclusion: null, createdAt: "2026-01-02T00:00:00Z", updatedAt: null } });
    expect(pickLastEcrRun([{ ...runs[1], updatedAt: new Date("2026-01-02T00:03:00Z") }], WF, false)).toMatchObject({ found: { updatedAt: "2026-01-02T00:03:00.000Z" } });
  });

  it("matches the name case- and space-insensitively", () => {
    expect(pickLastEcrRun([run(1, "  build and push to aws ecr ", "2026-01-01T00:00:00Z")], WF, false)).toMatchObject({ found: { id: 1 } });
  });

  it("says none when the page held every run of the repository and none is the workflow's", () => {
    expect(pickLastEcrRun([run(1, "CI", "2026-01-01T00:00:00Z")], WF, true)).toEqual({ found: null });
    expect(pickLastEcrRun([], WF, true)).toEqual({ found: null });
  });

  it("asks GitHub when a full page has none of the workflow's runs (older ones may exist)", () => {
    expect(pickLastEcrRun([run(1, "CI", "2026-01-01T00:00:00Z")], WF, false)).toBe("ask");
  });

  it("asks GitHub when the workflow is configured by its file or not at all (a run's name is the workflow's name)", () => {
    const runs = [run(1, "ecr.yml", "2026-01-01T00:00:00Z")];
    expect(pickLastEcrRun(runs, "ecr.yml", true)).toBe("ask");
    expect(pickLastEcrRun(runs, ".github/workflows/ecr.yaml", true)).toBe("ask");
    expect(pickLastEcrRun(runs, undefined, true)).toBe("ask");
    expect(pickLastEcrRun(runs, "  ", true)).toBe("ask");
  });

  it("ignores runs without a name (a hostile or partial payload)", () => {
    expect(pickLastEcrRun([run(1, undefined, "2026-01-01T00:00:00Z")], WF, true)).toEqual({ found: null });
  });
});
