import { describe, expect, it } from "vitest";
import { ecrJobEnvironment } from "./job-environment";

const wf = (job: string) => `name: ECR\non: push\njobs:\n${job}`;
const configure = "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-region: us-east-1\n";

describe("ecrJobEnvironment", () => {
  it("reads the ECR job's environment by name or as { name, url }", () => {
    expect(ecrJobEnvironment(wf(`  push:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n${configure}`))).toEqual({ kind: "named", name: "production", job: "push" });
    expect(ecrJobEnvironment(wf(`  push:\n    environment:\n      name: staging\n      url: https://x\n    steps:\n${configure}`))).toMatchObject({ kind: "named", name: "staging" });
  });

  it("ignores other jobs' environments; no environment on the ECR job is none", () => {
    const yaml = wf(`  deploy:\n    environment: production\n    steps:\n      - run: echo\n  push:\n    steps:\n${configure}`);
    expect(ecrJobEnvironment(yaml)).toEqual({ kind: "none" });
  });

  it("an expression is dynamic; broken YAML is unparsable", () => {
    expect(ecrJobEnvironment(wf(`  push:\n    environment: \${{ inputs.env }}\n    steps:\n${configure}`))).toMatchObject({ kind: "dynamic", expression: "${{ inputs.env }}" });
    expect(ecrJobEnvironment("jobs: [: nope")).toEqual({ kind: "unparsable" });
    expect(ecrJobEnvironment("name: x")).toEqual({ kind: "unparsable" });
  });
});
