import { describe, expect, it } from "vitest";
import { readWorkflowCredentials } from "./workflow-credentials";

const wf = (job: string, top = "") => `name: ECR\non: push\n${top}jobs:\n  build:\n    runs-on: ubuntu-latest\n${job}    steps:\n      - uses: actions/checkout@v4\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/r\n          aws-region: us-east-1\n`;

describe("readWorkflowCredentials", () => {
  it("a role with id-token: write on the job, the default audience", () => {
    expect(readWorkflowCredentials(wf("    permissions:\n      contents: read\n      id-token: write\n"))).toEqual({
      kind: "role",
      job: "build",
      roleToAssume: "arn:aws:iam::123456789012:role/r",
      audience: "sts.amazonaws.com",
      idTokenWrite: true,
      permissions: "job build: contents: read, id-token: write",
    });
  });

  it("job permissions replace the workflow's: id-token: write at the top does not reach a job that lists its own", () => {
    const r = readWorkflowCredentials(wf("    permissions:\n      contents: read\n", "permissions:\n  id-token: write\n"));
    expect(r).toMatchObject({ kind: "role", idTokenWrite: false, permissions: "job build: contents: read" });
  });

  it("the workflow's permissions apply when the job lists none; write-all grants the token; read-all and none do not", () => {
    expect(readWorkflowCredentials(wf("", "permissions:\n  id-token: write\n"))).toMatchObject({ idTokenWrite: true, permissions: "the workflow: id-token: write" });
    expect(readWorkflowCredentials(wf("    permissions: write-all\n"))).toMatchObject({ idTokenWrite: true });
    expect(readWorkflowCredentials(wf("    permissions: read-all\n"))).toMatchObject({ idTokenWrite: false });
    expect(readWorkflowCredentials(wf("    permissions: {}\n"))).toMatchObject({ idTokenWrite: false });
    // `id-token: read` is not a level GitHub grants a token for.
    expect(readWorkflowCredentials(wf("    permissions:\n      id-token: read\n"))).toMatchObject({ idTokenWrite: false });
    expect(readWorkflowCredentials(wf(""))).toMatchObject({ idTokenWrite: false, permissions: expect.stringMatching(/none written/) });
  });

  it("a custom audience is read; a key input wins over role-to-assume (the action then chains from the key)", () => {
    expect(readWorkflowCredentials(wf("").replace("aws-region: us-east-1", "aws-region: us-east-1\n          audience: custom"))).toMatchObject({ audience: "custom" });
    expect(readWorkflowCredentials(wf("").replace("aws-region: us-east-1", "aws-region: us-east-1\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}"))).toEqual({ kind: "key", job: "build" });
  });

  it("the key, no credentials step, and hostile files answer without throwing", () => {
    expect(readWorkflowCredentials(wf("").replace("role-to-assume: arn:aws:iam::123456789012:role/r", "aws-access-key-id: x"))).toEqual({ kind: "key", job: "build" });
    expect(readWorkflowCredentials("jobs:\n  a:\n    steps:\n      - run: echo\n")).toEqual({ kind: "none", reason: "no step uses aws-actions/configure-aws-credentials" });
    expect(readWorkflowCredentials("jobs: [\n")).toMatchObject({ kind: "none", reason: "the workflow file is not YAML" });
    expect(readWorkflowCredentials("just a string")).toMatchObject({ kind: "none", reason: "the workflow file has no jobs" });
    expect(readWorkflowCredentials("x".repeat(300 * 1024))).toMatchObject({ kind: "none", reason: expect.stringMatching(/larger than/) });
    expect(readWorkflowCredentials("jobs:\n  a: null\n  b:\n    steps: nope\n")).toMatchObject({ kind: "none" });
  });
});

describe("namedRoleName", () => {
  it("reads the role's name from an ARN (with a path, any partition) or a bare name; never from an expression", async () => {
    const { namedRoleName } = await import("./workflow-credentials");
    expect(namedRoleName("arn:aws:iam::123456789012:role/github-ecr-push-oidc")).toBe("github-ecr-push-oidc");
    expect(namedRoleName(" arn:aws-cn:iam::123456789012:role/ci/deploy/pusher ")).toBe("pusher");
    expect(namedRoleName("my-role")).toBe("my-role");
    expect(namedRoleName("${{ secrets.ROLE_ARN }}")).toBeNull();
    expect(namedRoleName("arn:aws:iam::123456789012:user/github-ecr-push")).toBeNull();
    expect(namedRoleName("arn:aws:iam::1234:role/x")).toBeNull();
    expect(namedRoleName("a".repeat(65))).toBeNull();
    expect(namedRoleName("role with spaces")).toBeNull();
  });
});
