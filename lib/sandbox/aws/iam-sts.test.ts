import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, DeleteAccessKeyCommand, DeleteUserPolicyCommand, DetachUserPolicyCommand,
  GenerateCredentialReportCommand, GetAccessKeyLastUsedCommand, GetCredentialReportCommand, GetPolicyCommand, GetPolicyVersionCommand, GetUserCommand, GetUserPolicyCommand,
  ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand, ListUsersCommand, PutUserPolicyCommand, UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { startTestSandbox, waitPropagation, type TestSandbox, sdkErrorOf } from "./test-helpers";
import { DRIFT_EXTRA, DRIFT_MISSING, GUIDE_PUSH_ACTIONS } from "./guide-policy";
import { outputShapeProblems } from "./shape-check";

/** Each AWS CLI run is a Python start-up (~0.5 s idle, several seconds on a loaded CI box). */
const CLI_TIMEOUT_MS = 240_000;

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t.close();
});

const errorOf = sdkErrorOf;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

describe("STS and IAM through the v3 SDK", () => {
  it("GetCallerIdentity names the root for the admin key and the user for a user key", async () => {
    const root = await t.sts().send(new GetCallerIdentityCommand({}));
    expect(root).toMatchObject({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:root", UserId: "123456789012" });
    const { workerKey } = await t.seedShared();
    const user = await t.sts(workerKey!, "eu-west-1").send(new GetCallerIdentityCommand({}));
    expect(user.Arn).toBe("arn:aws:iam::123456789012:user/deckhand-worker");
    expect(user.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it("seeds github-ecr-push with a drifted inline policy and an old, recently used key", async () => {
    const iam = t.iam();
    const user = await iam.send(new GetUserCommand({ UserName: "github-ecr-push" }));
    expect(user.User).toMatchObject({ UserName: "github-ecr-push", Path: "/", Arn: "arn:aws:iam::123456789012:user/github-ecr-push" });
    const policies = await iam.send(new ListUserPoliciesCommand({ UserName: "github-ecr-push" }));
    expect(policies.PolicyNames).toEqual(["ecr-push-policy"]);
    const doc = await iam.send(new GetUserPolicyCommand({ UserName: "github-ecr-push", PolicyName: "ecr-push-policy" }));
    expect(doc.PolicyDocument).toMatch(/^%7B/); // URL-encoded as AWS returns it
    const actions: string[] = JSON.parse(decodeURIComponent(doc.PolicyDocument!)).Statement[0].Action;
    for (const a of DRIFT_MISSING) expect(actions).not.toContain(a);
    for (const a of DRIFT_EXTRA) expect(actions).toContain(a);
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "github-ecr-push" }));
    expect(keys.AccessKeyMetadata).toHaveLength(1);
    const key = keys.AccessKeyMetadata![0];
    expect(key.Status).toBe("Active");
    const ageDays = (Date.now() - key.CreateDate!.getTime()) / 86400000;
    expect(Math.round(ageDays)).toBe(97);
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }));
    expect(used.UserName).toBe("github-ecr-push");
    expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: "ecr", Region: "us-east-1" });
    expect(Math.round((Date.now() - used.AccessKeyLastUsed!.LastUsedDate!.getTime()) / 86400000)).toBe(2);
    const worker = await iam.send(new GetUserPolicyCommand({ UserName: "deckhand-worker", PolicyName: "ecr-push-policy" }));
    expect(JSON.parse(decodeURIComponent(worker.PolicyDocument!)).Statement[0].Action).toEqual(GUIDE_PUSH_ACTIONS);
  });

  it("manages users, keys and inline policies with AWS's errors", async () => {
    const iam = t.iam();
    const created = await iam.send(new CreateUserCommand({ UserName: "ci-rotate" }));
    expect(created.User).toMatchObject({ UserName: "ci-rotate", Path: "/", Arn: "arn:aws:iam::123456789012:user/ci-rotate" });
    expect(await errorOf(iam.send(new CreateUserCommand({ UserName: "ci-rotate" })))).toEqual({ name: "EntityAlreadyExistsException", message: "User with name ci-rotate already exists.", status: 409 });
    expect(await errorOf(iam.send(new GetUserCommand({ UserName: "nobody" })))).toEqual({ name: "NoSuchEntityException", message: "The user with name nobody cannot be found.", status: 404 });

    const k1 = await iam.send(new CreateAccessKeyCommand({ UserName: "ci-rotate" }));
    expect(k1.AccessKey).toMatchObject({ UserName: "ci-rotate", Status: "Active" });
    expect(k1.AccessKey!.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(k1.AccessKey!.SecretAccessKey).toHaveLength(40);
    await iam.send(new CreateAccessKeyCommand({ UserName: "ci-rotate" }));
    expect(await errorOf(iam.send(new CreateAccessKeyCommand({ UserName: "ci-rotate" })))).toEqual({ name: "LimitExceededException", message: "Cannot exceed quota for AccessKeysPerUser: 2", status: 409 });

    const lastUsed = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k1.AccessKey!.AccessKeyId }));
    expect(lastUsed.AccessKeyLastUsed).toEqual({ ServiceName: "N/A", Region: "N/A" });

    await iam.send(new UpdateAccessKeyCommand({ UserName: "ci-rotate", AccessKeyId: k1.AccessKey!.AccessKeyId, Status: "Inactive" }));
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: "ci-rotate", MaxItems: 1 }));
    expect(listed.IsTruncated).toBe(true);
    const rest = await iam.send(new ListAccessKeysCommand({ UserName: "ci-rotate", Marker: listed.Marker }));
    expect(rest.IsTruncated).toBe(false);
    const all = [...listed.AccessKeyMetadata!, ...rest.AccessKeyMetadata!];
    expect(all.find((k) => k.AccessKeyId === k1.AccessKey!.AccessKeyId)?.Status).toBe("Inactive");
    await iam.send(new DeleteAccessKeyCommand({ UserName: "ci-rotate", AccessKeyId: k1.AccessKey!.AccessKeyId }));
    expect(await errorOf(iam.send(new DeleteAccessKeyCommand({ UserName: "ci-rotate", AccessKeyId: k1.AccessKey!.AccessKeyId })))).toMatchObject({ name: "NoSuchEntityException", status: 404 });

    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:*", Resource: "*" }] });
    await iam.send(new PutUserPolicyCommand({ UserName: "ci-rotate", PolicyName: "p1", PolicyDocument: doc }));
    expect(decodeURIComponent((await iam.send(new GetUserPolicyCommand({ UserName: "ci-rotate", PolicyName: "p1" }))).PolicyDocument!)).toBe(doc);
    expect(await errorOf(iam.send(new PutUserPolicyCommand({ UserName: "ci-rotate", PolicyName: "bad", PolicyDocument: "{nope" })))).toEqual({ name: "MalformedPolicyDocumentException", message: "Syntax errors in policy.", status: 400 });
    await iam.send(new DeleteUserPolicyCommand({ UserName: "ci-rotate", PolicyName: "p1" }));
    expect(await errorOf(iam.send(new GetUserPolicyCommand({ UserName: "ci-rotate", PolicyName: "p1" })))).toEqual({ name: "NoSuchEntityException", message: "The user policy with name p1 cannot be found.", status: 404 });

    const users = await iam.send(new ListUsersCommand({ MaxItems: 2 }));
    expect(users.Users).toHaveLength(2);
    expect(users.IsTruncated).toBe(true);
    const more = await iam.send(new ListUsersCommand({ Marker: users.Marker }));
    expect([...users.Users!, ...more.Users!].map((u) => u.UserName).sort()).toEqual(["ci-rotate", "deckhand-worker", "github-ecr-push"]);
  });

  it("manages customer and AWS managed policies and attachments", async () => {
    const iam = t.iam();
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["cloudtrail:LookupEvents"], Resource: "*" }] });
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: "trail-read", PolicyDocument: doc }));
    expect(created.Policy).toMatchObject({ PolicyName: "trail-read", Arn: "arn:aws:iam::123456789012:policy/trail-read", DefaultVersionId: "v1", AttachmentCount: 0, IsAttachable: true });
    expect(created.Policy!.PolicyId).toMatch(/^ANPA/);
    expect(await errorOf(iam.send(new CreatePolicyCommand({ PolicyName: "trail-read", PolicyDocument: doc })))).toMatchObject({ name: "EntityAlreadyExistsException", status: 409 });
    await iam.send(new AttachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: created.Policy!.Arn }));
    await iam.send(new AttachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" }));
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: "deckhand-worker" }));
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: "AmazonEC2ContainerRegistryReadOnly", PolicyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" },
      { PolicyName: "trail-read", PolicyArn: "arn:aws:iam::123456789012:policy/trail-read" },
    ]);
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: created.Policy!.Arn }));
    expect(got.Policy!.AttachmentCount).toBe(1);
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: created.Policy!.Arn, VersionId: "v1" }));
    expect(version.PolicyVersion).toMatchObject({ VersionId: "v1", IsDefaultVersion: true, Document: encodeURIComponent(doc) });
    expect(await errorOf(iam.send(new AttachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: "arn:aws:iam::123456789012:policy/nope" })))).toEqual({
      name: "NoSuchEntityException",
      message: "Policy arn:aws:iam::123456789012:policy/nope does not exist or is not attachable.",
      status: 404,
    });
    await iam.send(new DetachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: created.Policy!.Arn }));
    expect(await errorOf(iam.send(new DetachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: created.Policy!.Arn })))).toMatchObject({ name: "NoSuchEntityException" });
    await iam.send(new DetachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" }));
  });

  it("produces a credential report with AWS's columns after STARTED then COMPLETE", async () => {
    const iam = t.iam();
    expect(await errorOf(iam.send(new GetCredentialReportCommand({})))).toMatchObject({ name: "CredentialReportNotPresentException", status: 410 });
    expect(await iam.send(new GenerateCredentialReportCommand({}))).toMatchObject({ State: "STARTED" });
    expect(await iam.send(new GenerateCredentialReportCommand({}))).toMatchObject({ State: "COMPLETE" });
    const report = await iam.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe("text/csv");
    const csv = Buffer.from(report.Content!).toString("utf8").split("\n");
    expect(csv[0]).toBe(
      "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated",
    );
    expect(csv[1]).toMatch(/^<root_account>,arn:aws:iam::123456789012:root,/);
    const push = csv.find((l) => l.startsWith("github-ecr-push,"))!.split(",");
    expect(push[8]).toBe("true");
    expect(push[9]).toMatch(/\+00:00$/);
    expect(push[11]).toBe("us-east-1");
    expect(push[12]).toBe("ecr");
    expect(push[13]).toBe("false");
  });

  it("denies IAM calls a user's policies do not allow, with AWS's message", async () => {
    const { pushUserKey } = await t.seedShared();
    expect(await errorOf(t.iam(pushUserKey!).send(new ListUsersCommand({})))).toEqual({
      name: "AccessDenied",
      status: 403,
      message: "User: arn:aws:iam::123456789012:user/github-ecr-push is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action",
    });
  });
});

describe("STS and IAM through the AWS CLI v2", () => {
  it("serves every IAM operation and the named errors in shapes the CLI parses", async () => {
    const iam = t.iam();
    await iam.send(new CreateUserCommand({ UserName: "cli-user" }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: "cli-user" }));
    const keyId = key.AccessKey!.AccessKeyId!;
    await iam.send(new CreatePolicyCommand({ PolicyName: "cli-policy", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:Describe*", Resource: "*" }] }) }));
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:DescribeImages", Resource: "*" }] });
    const arn = "arn:aws:iam::123456789012:policy/cli-policy";
    const [caller, getUser, listUsers, listKeys, lastUsed, putPolicy, attach, getPolicy, getVersion, createUser, dup, missing, genReport] = await Promise.all([
      t.cli(["sts", "get-caller-identity"]),
      t.cli(["iam", "get-user", "--user-name", "github-ecr-push"]),
      t.cli(["iam", "list-users"]),
      t.cli(["iam", "list-access-keys", "--user-name", "cli-user"]),
      t.cli(["iam", "get-access-key-last-used", "--access-key-id", keyId]),
      t.cli(["iam", "put-user-policy", "--user-name", "cli-user", "--policy-name", "inline", "--policy-document", doc]),
      t.cli(["iam", "attach-user-policy", "--user-name", "cli-user", "--policy-arn", arn]),
      t.cli(["iam", "get-policy", "--policy-arn", arn]),
      t.cli(["iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1"]),
      t.cli(["iam", "create-user", "--user-name", "cli-user-2"]),
      t.cli(["iam", "create-user", "--user-name", "github-ecr-push"]),
      t.cli(["iam", "get-user", "--user-name", "ghost"]),
      t.cli(["iam", "generate-credential-report"]),
    ]);
    const shapes: Array<[Parameters<typeof outputShapeProblems>[0], string, unknown]> = [
      ["sts", "GetCallerIdentity", caller.json],
      ["iam", "GetUser", getUser.json],
      ["iam", "ListUsers", listUsers.json],
      ["iam", "ListAccessKeys", listKeys.json],
      ["iam", "GetAccessKeyLastUsed", lastUsed.json],
      ["iam", "PutUserPolicy", putPolicy.json],
      ["iam", "AttachUserPolicy", attach.json],
      ["iam", "GetPolicy", getPolicy.json],
      ["iam", "GetPolicyVersion", getVersion.json],
      ["iam", "CreateUser", createUser.json],
      ["iam", "GenerateCredentialReport", genReport.json],
    ];
    for (const [svc, op, out] of shapes) expect(outputShapeProblems(svc, op, out), `${svc}:${op}`).toEqual([]);
    expect(caller.json).toEqual({ UserId: "123456789012", Account: "123456789012", Arn: "arn:aws:iam::123456789012:root" });
    expect(getUser.json.User).toMatchObject({ UserName: "github-ecr-push", Path: "/" });
    expect(getUser.json.User.CreateDate).toMatch(ISO);
    expect(listUsers.json.Users.map((u: { UserName: string }) => u.UserName)).toContain("cli-user");
    expect(listKeys.json.AccessKeyMetadata).toEqual([{ UserName: "cli-user", AccessKeyId: keyId, Status: "Active", CreateDate: expect.stringMatching(ISO) }]);
    expect(lastUsed.json).toEqual({ UserName: "cli-user", AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" } });
    expect(putPolicy.code).toBe(0);
    expect(attach.code).toBe(0);
    expect(getPolicy.json.Policy).toMatchObject({ PolicyName: "cli-policy", Arn: arn, DefaultVersionId: "v1" });
    // The CLI decodes IAM's URL-encoded documents itself: it only can if we encoded them as AWS does.
    expect(getVersion.json.PolicyVersion.Document).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:Describe*", Resource: "*" }] });
    expect(createUser.json.User.UserName).toBe("cli-user-2");
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain("An error occurred (EntityAlreadyExists) when calling the CreateUser operation: User with name github-ecr-push already exists.");
    expect(missing.stderr).toContain("An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name ghost cannot be found.");
    expect(["STARTED", "COMPLETE"]).toContain(genReport.json.State);

    // Reads and independent writes in parallel; detach-user-policy runs after them, as it changes what
    // list-attached-user-policies answers.
    const [getPol, listPol, listAttached, updKey, createKey, creds, delPol] = await Promise.all([
      t.cli(["iam", "get-user-policy", "--user-name", "cli-user", "--policy-name", "inline"]),
      t.cli(["iam", "list-user-policies", "--user-name", "cli-user"]),
      t.cli(["iam", "list-attached-user-policies", "--user-name", "cli-user"]),
      t.cli(["iam", "update-access-key", "--user-name", "cli-user", "--access-key-id", keyId, "--status", "Inactive"]),
      t.cli(["iam", "create-access-key", "--user-name", "cli-user-2"]),
      t.cli(["iam", "get-credential-report"]),
      t.cli(["iam", "delete-user-policy", "--user-name", "cli-user", "--policy-name", "nope"]),
    ]);
    const detach = await t.cli(["iam", "detach-user-policy", "--user-name", "cli-user", "--policy-arn", arn]);
    for (const [op, out] of [["GetUserPolicy", getPol.json], ["ListUserPolicies", listPol.json], ["ListAttachedUserPolicies", listAttached.json], ["UpdateAccessKey", updKey.json], ["CreateAccessKey", createKey.json], ["GetCredentialReport", creds.json], ["DetachUserPolicy", detach.json]] as const)
      expect(outputShapeProblems("iam", op, out), op).toEqual([]);
    expect(getPol.json.PolicyDocument).toEqual(JSON.parse(doc));
    expect(listPol.json).toEqual({ PolicyNames: ["inline"] });
    expect(listAttached.json.AttachedPolicies).toEqual([{ PolicyName: "cli-policy", PolicyArn: arn }]);
    expect(updKey.code).toBe(0);
    expect(createKey.json.AccessKey).toMatchObject({ UserName: "cli-user-2", Status: "Active", SecretAccessKey: expect.any(String) });
    expect(creds.json.ReportFormat).toBe("text/csv");
    // The report generated earlier is less than four hours old, so IAM serves it as it was.
    expect(Buffer.from(creds.json.Content, "base64").toString()).toContain("github-ecr-push,");
    expect(delPol.stderr).toContain("(NoSuchEntity)");
    expect(detach.code).toBe(0);

    const { pushUserKey } = await t.seedShared();
    const [delKey, limit, createPolicy, delInline, denied, malformed] = await Promise.all([
      t.cli(["iam", "delete-access-key", "--user-name", "cli-user", "--access-key-id", keyId]),
      t.cli(["iam", "create-access-key", "--user-name", "github-ecr-push"]).then(() => t.cli(["iam", "create-access-key", "--user-name", "github-ecr-push"])),
      t.cli(["iam", "create-policy", "--policy-name", "cli-policy-2", "--policy-document", doc, "--description", "made by the CLI"]),
      t.cli(["iam", "delete-user-policy", "--user-name", "cli-user", "--policy-name", "inline"]),
      t.cli(["iam", "list-users"], pushUserKey!),
      t.cli(["iam", "put-user-policy", "--user-name", "cli-user", "--policy-name", "bad", "--policy-document", "{not json"]),
    ]);
    for (const [op, out] of [["DeleteAccessKey", delKey.json], ["CreatePolicy", createPolicy.json], ["DeleteUserPolicy", delInline.json]] as const) expect(outputShapeProblems("iam", op, out), op).toEqual([]);
    expect(createPolicy.json.Policy).toMatchObject({ PolicyName: "cli-policy-2", Arn: "arn:aws:iam::123456789012:policy/cli-policy-2", DefaultVersionId: "v1" });
    expect(delInline.code).toBe(0);
    expect(denied.stderr).toContain("An error occurred (AccessDenied) when calling the ListUsers operation: User: arn:aws:iam::123456789012:user/github-ecr-push is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/");
    expect(malformed.stderr).toContain("An error occurred (MalformedPolicyDocument) when calling the PutUserPolicy operation: Syntax errors in policy.");
    expect(delKey.code).toBe(0);
    expect(limit.stderr).toContain("An error occurred (LimitExceeded) when calling the CreateAccessKey operation: Cannot exceed quota for AccessKeysPerUser: 2");
    // A fresh key is usable once propagated.
    await waitPropagation();
    const fresh = createKey.json.AccessKey;
    const who = await t.cli(["sts", "get-caller-identity"], { accessKeyId: fresh.AccessKeyId, secretAccessKey: fresh.SecretAccessKey });
    expect(who.json.Arn).toBe("arn:aws:iam::123456789012:user/cli-user-2");
  }, CLI_TIMEOUT_MS);
});
