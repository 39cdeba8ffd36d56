import type { SandboxModule } from "../context";

/** AWS half of the sandbox (IAM, STS, ECR, CloudTrail). Built out by the AWS sandbox issue. */
export const awsModule: SandboxModule = {
  name: "aws",
  migrate() {},
  wipe() {},
  async seed() {},
  async handle() {
    return false;
  },
};
