import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AddClientIDToOpenIDConnectProviderCommand, AttachRolePolicyCommand, CreateOpenIDConnectProviderCommand, CreateRoleCommand, DeleteRoleCommand, DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand, GetPolicyCommand, ListAttachedRolePoliciesCommand, RemoveClientIDFromOpenIDConnectProviderCommand,
} from "@aws-sdk/client-iam";
import { startTestSandbox, type TestSandbox, sdkErrorOf } from "./test-helpers";
import { outputShapeProblems } from "./shape-check";

const CLI_TIMEOUT_MS = 240_000;
const ISSUER = "oidc.attach.example.com";
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const POWER_USER = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${ISSUER}:aud`]: "x" } } }],
});

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t.close();
  fs.rmSync(t.dataDir, { recursive: true, force: true });
});

describe("IAM managed policies on roles (AttachRolePolicy, ListAttachedRolePolicies, DetachRolePolicy)", () => {
  it("attaches, lists, counts, refuses deleting an attached role, detaches, over the SDK", async () => {
    const iam = t.iam();
    await iam.send(new CreateRoleCommand({ RoleName: "attach-role", AssumeRolePolicyDocument: trust }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "attach-role", PolicyArn: POWER_USER }));
    // Attaching twice is not an error (the attachment is a set).
    await iam.send(new AttachRolePolicyCommand({ RoleName: "attach-role", PolicyArn: POWER_USER }));
    const listed = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "attach-role" }));
    expect(listed.AttachedPolicies).toEqual([{ PolicyName: "AmazonEC2ContainerRegistryPowerUser", PolicyArn: POWER_USER }]);
    expect(listed.IsTruncated).toBe(false);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: POWER_USER }))).Policy!.AttachmentCount).toBe(1);

    expect(await sdkErrorOf(iam.send(new DeleteRoleCommand({ RoleName: "attach-role" })))).toMatchObject({ name: "DeleteConflictException", status: 409, message: "Cannot delete entity, must detach all policies first." });
    expect(await sdkErrorOf(iam.send(new AttachRolePolicyCommand({ RoleName: "attach-role", PolicyArn: "arn:aws:iam::123456789012:policy/nope" })))).toMatchObject({ name: "NoSuchEntityException", status: 404 });
    expect(await sdkErrorOf(iam.send(new AttachRolePolicyCommand({ RoleName: "attach-role", PolicyArn: "not-an-arn" })))).toMatchObject({ name: "InvalidInputException", status: 400 });
    expect(await sdkErrorOf(iam.send(new AttachRolePolicyCommand({ RoleName: "ghost", PolicyArn: POWER_USER })))).toMatchObject({ name: "NoSuchEntityException", message: "The role with name ghost cannot be found." });

    await iam.send(new DetachRolePolicyCommand({ RoleName: "attach-role", PolicyArn: POWER_USER }));
    expect(await sdkErrorOf(iam.send(new DetachRolePolicyCommand({ RoleName: "attach-role", PolicyArn: POWER_USER })))).toMatchObject({ name: "NoSuchEntityException", status: 404 });
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "attach-role" }))).AttachedPolicies).toEqual([]);
    await iam.send(new DeleteRoleCommand({ RoleName: "attach-role" }));
  });

  it("adds and removes an OIDC provider's client IDs idempotently", async () => {
    const iam = t.iam();
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${ISSUER}`, ClientIDList: ["a"] }));
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: "sts.amazonaws.com" }));
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: "sts.amazonaws.com" }));
    expect((await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }))).ClientIDList).toEqual(["a", "sts.amazonaws.com"]);
    await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: "a" }));
    await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN, ClientID: "a" }));
    expect((await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }))).ClientIDList).toEqual(["sts.amazonaws.com"]);
    expect(await sdkErrorOf(iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: `${PROVIDER_ARN}x`, ClientID: "b" })))).toMatchObject({ name: "NoSuchEntityException", status: 404 });
  });

  it(
    "answers the AWS CLI v2 as IAM does",
    async () => {
      await t.cli(["iam", "create-role", "--role-name", "cli-attach", "--assume-role-policy-document", trust]);
      const attach = await t.cli(["iam", "attach-role-policy", "--role-name", "cli-attach", "--policy-arn", POWER_USER]);
      expect(attach.code).toBe(0);
      const listed = await t.cli(["iam", "list-attached-role-policies", "--role-name", "cli-attach"]);
      expect(outputShapeProblems("iam", "ListAttachedRolePolicies", listed.json)).toEqual([]);
      expect(listed.json.AttachedPolicies).toEqual([{ PolicyName: "AmazonEC2ContainerRegistryPowerUser", PolicyArn: POWER_USER }]);
      const conflict = await t.cli(["iam", "delete-role", "--role-name", "cli-attach"]);
      expect(conflict.stderr).toContain("An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must detach all policies first.");
      const add = await t.cli(["iam", "add-client-id-to-open-id-connect-provider", "--open-id-connect-provider-arn", PROVIDER_ARN, "--client-id", "cli-aud"]);
      expect(add.code).toBe(0);
    },
    CLI_TIMEOUT_MS,
  );
});
