import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { lineDiff, planWorkflowChange } from "./workflow-change";

const ROLE = "arn:aws:iam::123456789012:role/github-ecr-push-oidc";
const GUIDE = fs.readFileSync(path.join(__dirname, "../../sandbox/github/fixtures/mcp-servers/.github/workflows/ecr.yml"), "utf8");

describe("planWorkflowChange", () => {
  it("moves the guide's workflow to the role: id-token: write, role-to-assume, no secrets, region from the variable", () => {
    const r = planWorkflowChange(GUIDE, ROLE);
    if (!r.ok) throw new Error(r.reason);
    const job = YAML.parse(r.text).jobs["build-and-push"];
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(job.steps[1].with).toEqual({ "role-to-assume": ROLE, "aws-region": "${{ vars.AWS_REGION }}" });
    expect(r.text).not.toContain("secrets.AWS_");
    expect(r.changes).toHaveLength(4);
    // Only the changed lines differ: the rest of the file (the build script) is kept as it was.
    const changed = r.diff.filter((l) => l.kind !== "same").map((l) => `${l.kind === "add" ? "+" : "-"}${l.text.trim()}`);
    expect(changed.sort()).toEqual(["+id-token: write", `+role-to-assume: ${ROLE}`, "-aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}", "-aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}"].sort());
  });

  it("is idempotent", () => {
    const once = planWorkflowChange(GUIDE, ROLE);
    if (!once.ok) throw new Error(once.reason);
    const twice = planWorkflowChange(once.text, ROLE);
    expect(twice).toMatchObject({ ok: true, changes: [], text: once.text });
  });

  it("adds permissions to a job that had none, replacing a string form", () => {
    const yaml = "on: push\njobs:\n  a:\n    permissions: read-all\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n";
    const r = planWorkflowChange(yaml, ROLE);
    if (!r.ok) throw new Error(r.reason);
    expect(YAML.parse(r.text).jobs.a).toEqual({ permissions: { contents: "read", "id-token": "write" }, steps: [{ uses: "aws-actions/configure-aws-credentials@v4", with: { "role-to-assume": ROLE, "aws-region": "${{ vars.AWS_REGION }}" } }] });
    expect(r.changes[0]).toMatch(/"read-all" replaced/);
  });

  it("refuses files it cannot change, saying why", () => {
    expect(planWorkflowChange("on: push\njobs:\n  a:\n    steps:\n      - run: echo\n", ROLE)).toEqual({ ok: false, reason: "No job uses aws-actions/configure-aws-credentials." });
    expect(planWorkflowChange("a: [", ROLE)).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid YAML/) });
    expect(planWorkflowChange("x\n".repeat(4000), ROLE)).toMatchObject({ ok: false, reason: expect.stringMatching(/too large/) });
  });
});

describe("lineDiff", () => {
  it("keeps common lines and marks the rest", () => {
    expect(lineDiff("a\nb\nc", "a\nx\nc")).toEqual([{ kind: "same", text: "a" }, { kind: "remove", text: "b" }, { kind: "add", text: "x" }, { kind: "same", text: "c" }]);
  });
});
