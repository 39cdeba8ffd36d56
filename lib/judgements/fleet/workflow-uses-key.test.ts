import { describe, expect, it } from "vitest";
import { MAX_WORKFLOW_BYTES, workflowUsesKeySecret } from "./workflow-uses-key";

const wf = (withBlock: string, uses = "aws-actions/configure-aws-credentials@v4") => `name: Build and Push to AWS ECR
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Configure AWS credentials
        uses: ${uses}
        with:
${withBlock}
`;

describe("workflowUsesKeySecret", () => {
  it("the guide's workflow: the key from the AWS_ACCESS_KEY_ID secret, in job build", () => {
    const text = wf("          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          aws-region: ${{ vars.AWS_REGION }}");
    expect(workflowUsesKeySecret(text)).toEqual({ uses: true, job: "build" });
  });

  it("tolerates the expression's spacing", () => {
    expect(workflowUsesKeySecret(wf("          aws-access-key-id: ${{secrets.AWS_ACCESS_KEY_ID}}"))).toMatchObject({ uses: true });
  });

  it("a role (OIDC) is not the push user's key", () => {
    expect(workflowUsesKeySecret(wf("          role-to-assume: arn:aws:iam::123456789012:role/push\n          aws-region: us-east-1"))).toEqual({
      uses: false,
      reason: "configure-aws-credentials does not take aws-access-key-id from the AWS_ACCESS_KEY_ID secret",
    });
  });

  it("a key under another secret name, or a literal key, is not counted", () => {
    expect(workflowUsesKeySecret(wf("          aws-access-key-id: ${{ secrets.OTHER_KEY }}"))).toMatchObject({ uses: false });
    expect(workflowUsesKeySecret(wf("          aws-access-key-id: AKIAIOSFODNN7EXAMPLE"))).toMatchObject({ uses: false });
    expect(workflowUsesKeySecret(wf("          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }} extra"))).toMatchObject({ uses: false });
  });

  it("another action taking the same input is not configure-aws-credentials", () => {
    expect(workflowUsesKeySecret(wf("          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}", "evil/configure-aws-credentials@v1"))).toEqual({
      uses: false,
      reason: "no step uses aws-actions/configure-aws-credentials",
    });
  });

  it("hostile or broken files answer no with the reason, never throw", () => {
    expect(workflowUsesKeySecret("jobs: [unclosed")).toEqual({ uses: false, reason: "the file is not YAML" });
    expect(workflowUsesKeySecret("name: x\n")).toEqual({ uses: false, reason: "the file has no jobs" });
    expect(workflowUsesKeySecret("")).toEqual({ uses: false, reason: "the file has no jobs" });
    expect(workflowUsesKeySecret("jobs:\n  a: 1\n  b:\n    steps: nope\n")).toMatchObject({ uses: false });
    expect(workflowUsesKeySecret("a: &a [*a, *a]\n")).toMatchObject({ uses: false });
    expect(workflowUsesKeySecret("#".repeat(MAX_WORKFLOW_BYTES + 1))).toEqual({ uses: false, reason: "the file is larger than 256 KB" });
  });
});
