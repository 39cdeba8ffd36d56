import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { GetUserCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { createAwsClients } from "./aws-clients";
import { describeFailedCall, failedCallOf } from "./name-failed-call";
import { SANDBOX_AWS_ADMIN } from "../../sandbox/constants";
import { recordFailure, startOutcome } from "../../operations/pushes/service-outcome-steps";

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb?.close();
});

const clients = () => createAwsClients({ endpoint: sb.url, region: "us-east-1", credentials: SANDBOX_AWS_ADMIN, maxAttempts: 1 });

describe("a failed AWS call names itself", () => {
  it("an HTML page from a proxy is said as such, with the call and the HTTP status, never as a JSON parse error", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "ecr", operation: "DescribeRepositories", kind: "gateway-html", count: 1 });
    const err = await clients()
      .ecr.send(new DescribeRepositoriesCommand({}))
      .then(() => null, (e: unknown) => e);
    expect(failedCallOf(err)).toEqual({ service: "ECR", operation: "DescribeRepositories", status: 502, foreignBody: true });
    const line = describeFailedCall(err);
    expect(line).toBe("ECR DescribeRepositories failed: HTTP 502, and the answer was not AWS's (an HTML page: a proxy or load balancer in front of the endpoint?)");
    expect(line).not.toMatch(/Unexpected token|<html/);
    // A push job's service record says the same.
    const outcome = recordFailure(startOutcome({ service: "web", repositoryName: "web" }), err, "push");
    expect(outcome).toMatchObject({ result: "failed", reason: "push-failed", error: line });
  });

  it("AWS's own error keeps its code and message beside the call and status", async () => {
    const err = await clients()
      .iam.send(new GetUserCommand({ UserName: "nobody-here" }))
      .then(() => null, (e: unknown) => e);
    expect(describeFailedCall(err)).toMatch(/^IAM GetUser failed: HTTP 404 NoSuchEntity(Exception)?: The user with name nobody-here cannot be found\.$/);
  });

  it("an error wrapped by a caller is still named through its cause", async () => {
    await sb.admin("POST", "/_sandbox/faults", { service: "ecr", operation: "DescribeRepositories", kind: "gateway-html", count: 1 });
    const inner = await clients()
      .ecr.send(new DescribeRepositoriesCommand({}))
      .then(() => null, (e: unknown) => e);
    expect(describeFailedCall(new Error("push failed", { cause: inner }))).toMatch(/^ECR DescribeRepositories failed: HTTP 502/);
  });
});
