import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { branchMatches, parseTriggers, pushTriggers } from "./workflow-triggers";

describe("workflow triggers", () => {
  it("reads the seeded ECR workflow: push to main and workflow_dispatch, no inputs", () => {
    const text = fs.readFileSync(path.join(__dirname, "fixtures/mcp-servers/.github/workflows/ecr.yml"), "utf8");
    const { name, triggers } = parseTriggers(text);
    expect(name).toBe("Build and Push to AWS ECR");
    expect(triggers.workflowDispatch).toBe(true);
    expect(triggers.dispatchInputs).toEqual([]);
    expect(pushTriggers(triggers, "main")).toBe(true);
    expect(pushTriggers(triggers, "feature")).toBe(false);
  });
  it("accepts the string and list forms of `on`", () => {
    expect(parseTriggers("on: push\njobs: {}").triggers.push).toEqual({ branches: null, branchesIgnore: [] });
    expect(parseTriggers("on: [push, workflow_dispatch]\njobs: {}").triggers).toMatchObject({ workflowDispatch: true, push: { branches: null } });
    expect(parseTriggers("on:\n  workflow_dispatch:\n    inputs:\n      tag: {}\n").triggers.dispatchInputs).toEqual(["tag"]);
  });
  it("matches branch globs like GitHub: * within a segment, ** across", () => {
    expect(branchMatches("release/*", "release/1.0")).toBe(true);
    expect(branchMatches("release/*", "release/1.0/hotfix")).toBe(false);
    expect(branchMatches("release/**", "release/1.0/hotfix")).toBe(true);
    expect(branchMatches("main", "main2")).toBe(false);
  });
  it("honours branches-ignore", () => {
    const { triggers } = parseTriggers("on:\n  push:\n    branches-ignore: ['wip/**']\n");
    expect(pushTriggers(triggers, "wip/x/y")).toBe(false);
    expect(pushTriggers(triggers, "main")).toBe(true);
  });
});
