import { describe, expect, it } from "vitest";
import { readWorkflowAwsAuth, resolveExpressions } from "./workflow-aws-auth";

const VALUES: Record<string, string> = { "vars.AWS_REGION": "eu-west-1", "secrets.AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/push" };
const lookup = (kind: "secrets" | "vars", name: string): string | undefined => VALUES[`${kind}.${name}`];

const workflow = (job: string, top = "") => `name: Build and Push to AWS ECR
on: { push: { branches: [main] } }
${top}
jobs:
  build-and-push:
    runs-on: ubuntu-latest
${job}
    steps:
      - uses: actions/checkout@v4
      - name: Configure AWS credentials
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: \${{ secrets.AWS_ROLE_ARN }}
          aws-region: \${{ vars.AWS_REGION }}
`;

describe("readWorkflowAwsAuth", () => {
  it("reads the role, region and the job's id-token permission", () => {
    expect(readWorkflowAwsAuth(workflow("    permissions:\n      id-token: write\n      contents: read"), lookup)).toEqual({
      jobName: "build-and-push",
      inputs: { "role-to-assume": "arn:aws:iam::123456789012:role/push", "aws-region": "eu-west-1" },
      idTokenWrite: true,
      environment: undefined,
    });
  });

  it("lets job permissions replace the workflow's, and write-all grant the token", () => {
    expect(readWorkflowAwsAuth(workflow("    permissions:\n      contents: read", "permissions:\n  id-token: write"), lookup)?.idTokenWrite).toBe(false);
    expect(readWorkflowAwsAuth(workflow("", "permissions:\n  id-token: write"), lookup)?.idTokenWrite).toBe(true);
    expect(readWorkflowAwsAuth(workflow("    permissions: write-all"), lookup)?.idTokenWrite).toBe(true);
    expect(readWorkflowAwsAuth(workflow(""), lookup)?.idTokenWrite).toBe(false);
  });

  it("reads the job's environment in both spellings", () => {
    expect(readWorkflowAwsAuth(workflow("    environment: prod"), lookup)?.environment).toBe("prod");
    expect(readWorkflowAwsAuth(workflow("    environment:\n      name: staging\n      url: https://x"), lookup)?.environment).toBe("staging");
  });

  it("finds nothing without the action or in broken YAML", () => {
    expect(readWorkflowAwsAuth("jobs: { a: { steps: [ { run: echo } ] } }", lookup)).toBeUndefined();
    expect(readWorkflowAwsAuth("jobs: [unclosed", lookup)).toBeUndefined();
  });

  it("resolves secrets and vars, and leaves other expressions empty as a missing value", () => {
    expect(resolveExpressions("${{ vars.AWS_REGION }}/${{secrets.NOPE}}/${{ github.sha }}", lookup)).toBe("eu-west-1//");
  });
});
