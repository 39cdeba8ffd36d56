import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { createUser } from "./iam-setup";

const sbx = sharedTestSandbox({ scenario: "empty" });

describe("createUser", () => {
  it("CreateUser of an existing user reads it back instead of failing (a retried or resumed step)", async () => {
    const iam = sbx.clients.aws.iam;
    const first = await createUser({ iam, userName: "setup-probe" });
    expect(first.created).toBe(true);
    expect(first.user.arn).toMatch(/:user\/setup-probe$/);
    const again = await createUser({ iam, userName: "setup-probe" });
    expect(again).toMatchObject({ created: false, user: { arn: first.user.arn } });
  });
});
