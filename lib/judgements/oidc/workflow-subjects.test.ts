import { describe, expect, it } from "vitest";
import { deriveWorkflowSubjects, filterToIamPattern, pinsRepository, type SubClaimTemplate } from "./workflow-subjects";

const DEFAULT: SubClaimTemplate = { useDefault: true, includeClaimKeys: [], prefix: "repo:acme/mcp-servers" };
const job = (extra = "") => `jobs:\n  build:\n    runs-on: ubuntu-latest\n${extra}    steps:\n      - uses: actions/checkout@v4\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-region: eu-west-1\n`;
const derive = (on: string, extra = "", template = DEFAULT) =>
  deriveWorkflowSubjects({ workflowYaml: `name: ECR\non:\n${on}\n${job(extra)}`, repository: "acme/mcp-servers", defaultBranch: "main", template, workflowPath: ".github/workflows/ecr.yml" });
const values = (r: ReturnType<typeof derive>) => r.subjects.map((s) => `${s.operator} ${s.value}`);

describe("deriveWorkflowSubjects", () => {
  it("pins the guide's workflow (push to main, manual runs) to the main branch only", () => {
    const r = derive("  push:\n    branches: [main]\n  workflow_dispatch:");
    expect(values(r)).toEqual(["StringEquals repo:acme/mcp-servers:ref:refs/heads/main"]);
    expect(r.job).toBe("build");
    expect(r.problems).toEqual([]);
  });

  it("gives a pull_request run the branchless subject, flagged as a risk", () => {
    const r = derive("  pull_request:\n    branches: [main]");
    expect(values(r)).toEqual(["StringEquals repo:acme/mcp-servers:pull_request"]);
    expect(r.subjects[0].risk).toMatch(/pull request/);
  });

  it("uses the environment, which replaces the branch in every run's subject (and escapes a colon)", () => {
    expect(values(derive("  push:\n    branches: [main]\n  pull_request:", "    environment: prod\n"))).toEqual(["StringEquals repo:acme/mcp-servers:environment:prod"]);
    expect(values(derive("  push:", "    environment:\n      name: Production:V1\n      url: https://x\n"))).toEqual(["StringEquals repo:acme/mcp-servers:environment:Production%3AV1"]);
  });

  it("refuses to guess an environment chosen at run time", () => {
    const r = derive("  push:", "    environment: ${{ inputs.env }}\n");
    expect(r.subjects).toEqual([]);
    expect(r.problems[0]).toMatch(/picks its environment at run time/);
  });

  it("turns branch globs into StringLike and says when IAM's * is wider than GitHub's", () => {
    const r = derive("  push:\n    branches: ['release/*', 'hotfix/**', '!release/old']");
    expect(values(r)).toEqual(["StringLike repo:acme/mcp-servers:ref:refs/heads/release/*", "StringLike repo:acme/mcp-servers:ref:refs/heads/hotfix/*"]);
    expect(r.subjects[0].widerThanWorkflow).toMatch(/stops at "\/"/);
    expect(r.subjects[1].widerThanWorkflow).toBeUndefined();
    expect(r.notes.join(" ")).toMatch(/"!release\/old" excludes/);
  });

  it("covers tags: only tags when only tag filters are given, both when push has no filter", () => {
    expect(values(derive("  push:\n    tags: ['v*']"))).toEqual(["StringLike repo:acme/mcp-servers:ref:refs/tags/v*"]);
    expect(values(derive("  push:"))).toEqual(["StringLike repo:acme/mcp-servers:ref:refs/heads/*", "StringLike repo:acme/mcp-servers:ref:refs/tags/*"]);
    expect(values(derive("  release:\n    types: [published]"))).toEqual(["StringLike repo:acme/mcp-servers:ref:refs/tags/*"]);
  });

  it("accepts `on` as a string or a list", () => {
    const list = deriveWorkflowSubjects({ workflowYaml: `on: [pull_request, workflow_dispatch]\n${job()}`, repository: "acme/mcp-servers", defaultBranch: "trunk", template: DEFAULT, workflowPath: "x" });
    expect(values(list)).toEqual(["StringEquals repo:acme/mcp-servers:pull_request", "StringEquals repo:acme/mcp-servers:ref:refs/heads/trunk"]);
    const str = deriveWorkflowSubjects({ workflowYaml: `on: workflow_dispatch\n${job()}`, repository: "acme/mcp-servers", defaultBranch: "main", template: DEFAULT, workflowPath: "x" });
    expect(values(str)).toEqual(["StringEquals repo:acme/mcp-servers:ref:refs/heads/main"]);
  });

  it("cuts GitHub-only pattern characters and ends in a wildcard", () => {
    expect(filterToIamPattern("v[0-9]+.*")).toMatchObject({ pattern: "v*", exact: false });
    expect(filterToIamPattern("main")).toEqual({ pattern: "main", exact: true });
    expect(filterToIamPattern("!main")).toBeNull();
  });

  it("builds a customised claim (context, repository_owner, repo) and pins the repository", () => {
    const custom: SubClaimTemplate = { useDefault: false, includeClaimKeys: ["repository_owner", "repo", "context", "job_workflow_ref"], prefix: "repo:acme/mcp-servers" };
    const r = derive("  push:\n    branches: [main]", "", custom);
    expect(values(r)).toEqual([
      "StringEquals repository_owner:acme:repo:acme/mcp-servers:ref:refs/heads/main:job_workflow_ref:acme/mcp-servers/.github/workflows/ecr.yml@refs/heads/main",
    ]);
  });

  it("wildcards a claim unknown before the run, but only beside the pinned repository", () => {
    const custom: SubClaimTemplate = { useDefault: false, includeClaimKeys: ["repo", "context", "actor"], prefix: "repo:acme/mcp-servers" };
    const r = derive("  push:\n    branches: [main]", "", custom);
    expect(values(r)).toEqual(["StringLike repo:acme/mcp-servers:ref:refs/heads/main:actor:*"]);
    expect(r.subjects[0].widerThanWorkflow).toMatch(/actor/);
  });

  it("refuses a customisation without repo: every repository of the owner would present the same subject", () => {
    const custom: SubClaimTemplate = { useDefault: false, includeClaimKeys: ["repository_owner", "context"], prefix: "repo:acme/mcp-servers" };
    const r = derive("  push:\n    branches: [main]", "", custom);
    expect(r.subjects).toEqual([]);
    expect(r.problems[0]).toMatch(/does not include "repo"/);
  });

  it("uses GitHub's immutable prefix when the repository has it", () => {
    const r = derive("  push:\n    branches: [main]", "", { useDefault: true, includeClaimKeys: [], prefix: "repo:acme@1/mcp-servers@812345670" });
    expect(values(r)).toEqual(["StringEquals repo:acme@1/mcp-servers@812345670:ref:refs/heads/main"]);
  });

  it("names a reusable-workflow job and the callers' subjects", () => {
    const yaml = "on:\n  push:\n    branches: [main]\n  workflow_call:\njobs:\n  push:\n    uses: acme/shared/.github/workflows/ecr.yml@main\n";
    const r = deriveWorkflowSubjects({ workflowYaml: yaml, repository: "acme/mcp-servers", defaultBranch: "main", template: DEFAULT, workflowPath: ".github/workflows/ecr.yml" });
    expect(r.job).toBe("push");
    expect(r.notes.join(" ")).toMatch(/reusable workflow acme\/shared/);
    expect(r.notes.join(" ")).toMatch(/caller's subject/);
    expect(values(r)).toEqual(["StringEquals repo:acme/mcp-servers:ref:refs/heads/main"]);
  });

  it("says what is wrong with hostile or empty files, and plans nothing", () => {
    for (const bad of ["::: [", "", "on: push\n", "jobs: 3\n"]) {
      const r = deriveWorkflowSubjects({ workflowYaml: bad, repository: "acme/mcp-servers", defaultBranch: "main", template: DEFAULT, workflowPath: "x" });
      expect(r.subjects).toEqual([]);
      expect(r.problems.length).toBeGreaterThan(0);
    }
    expect(derive("  pull_request_target:").problems[0]).toMatch(/pull_request_target/);
  });
});

describe("pinsRepository", () => {
  it("needs the repo part whole, delimited by \":\"", () => {
    expect(pinsRepository("repo:acme/mcp-servers:ref:refs/heads/*", "repo:acme/mcp-servers")).toBe(true);
    expect(pinsRepository("repo:acme/mcp-servers*", "repo:acme/mcp-servers")).toBe(false);
    expect(pinsRepository("ref:refs/heads/*:repo:acme/mcp-servers", "repo:acme/mcp-servers")).toBe(true);
    expect(pinsRepository("repo:acme/mcp-servers-fork:pull_request", "repo:acme/mcp-servers")).toBe(false);
    expect(pinsRepository("repository_owner:acme:repo:acme/mcp-servers:pull_request", "repo:acme/mcp-servers")).toBe(true);
    expect(pinsRepository("repo:acme/*", "repo:acme/mcp-servers")).toBe(false);
  });
});
