import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, GetAccessKeyLastUsedCommand, ListUsersCommand, PutUserPolicyCommand, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ADMIN, startTestSandbox, type Creds, type TestSandbox, sdkErrorOf } from "./test-helpers";
import { GUIDE_PUSH_ACTIONS, policyDocumentText } from "./guide-policy";

const PROPAGATION_MS = 1500;
let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox({ keyPropagationMs: PROPAGATION_MS });
});
afterAll(async () => {
  await t.close();
});

const errorOf = sdkErrorOf;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INVALID_TOKEN = { name: "InvalidClientTokenId", message: "The security token included in the request is invalid.", status: 403 };

/** `sentAt` bounds the key's creation from below, `propagatedAt` from above (CreateDate only has seconds). */
async function newKey(user: string): Promise<Creds & { sentAt: number; propagatedAt: number }> {
  const sentAt = Date.now();
  const k = await t.iam().send(new CreateAccessKeyCommand({ UserName: user }));
  return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey!, sentAt, propagatedAt: Date.now() + PROPAGATION_MS + 50 };
}

async function signedFetch(creds: Creds, url: string, init: { method: string; body?: string; service?: string; signingDate?: Date }): Promise<Response> {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials: creds, region: "us-east-1", service: init.service ?? "sts", sha256: Hash.bind(null, "sha256") });
  const headers: Record<string, string> = { host: u.host };
  if (init.body) headers["content-type"] = init.service === "sts" ? "application/x-www-form-urlencoded" : "application/json";
  const query = Object.fromEntries(u.searchParams);
  const signed = await signer.sign({ method: init.method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname, headers, body: init.body, query }, { signingDate: init.signingDate });
  const { host: _host, ...send } = signed.headers;
  return fetch(url, { method: init.method, headers: send, body: init.body });
}

describe("access keys on the wire", () => {
  it("refuses a key inside its propagation window, then accepts it and records its use", async () => {
    await t.iam().send(new CreateUserCommand({ UserName: "rotator" }));
    await t.iam().send(new PutUserPolicyCommand({ UserName: "rotator", PolicyName: "push", PolicyDocument: policyDocumentText(GUIDE_PUSH_ACTIONS) }));
    const key = await newKey("rotator");
    const early = await errorOf(t.sts(key).send(new GetCallerIdentityCommand({})));
    // Only meaningful while still inside the window (a slow machine could already be past it).
    if (Date.now() - key.sentAt < PROPAGATION_MS - 100) expect(early).toEqual(INVALID_TOKEN);
    expect(await errorOf(t.ecr(key).send(new DescribeRepositoriesCommand({})))).toMatchObject({ name: "UnrecognizedClientException", status: 400 });
    await sleep(Math.max(0, key.propagatedAt - Date.now()));
    const before = Date.now();
    const ok = await t.ecr(key).send(new DescribeRepositoriesCommand({}));
    expect(ok.repositories!.map((r) => r.repositoryName)).toContain("mcp-server-tcp");

    const used = await t.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
    expect(used).toMatchObject({ UserName: "rotator", AccessKeyLastUsed: { ServiceName: "ecr", Region: "us-east-1" } });
    expect(used.AccessKeyLastUsed!.LastUsedDate!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    const events = await t.cloudtrail().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: key.accessKeyId }] }));
    expect(events.Events!.map((e) => e.EventName)).toEqual(["DescribeRepositories"]);
    const ev = JSON.parse(events.Events![0].CloudTrailEvent!);
    expect(ev).toMatchObject({
      eventSource: "ecr.amazonaws.com",
      eventName: "DescribeRepositories",
      awsRegion: "us-east-1",
      readOnly: true,
      userIdentity: { type: "IAMUser", accessKeyId: key.accessKeyId, userName: "rotator", arn: "arn:aws:iam::123456789012:user/rotator", accountId: "123456789012" },
    });
    expect(ev.sourceIPAddress).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(ev.userAgent).toContain("aws-sdk-js");
  });

  it("refuses inactive, deleted and unknown keys, and wrong secrets", async () => {
    const key = await newKey("rotator");
    await sleep(Math.max(0, key.propagatedAt - Date.now()));
    expect((await t.sts(key).send(new GetCallerIdentityCommand({}))).Arn).toBe("arn:aws:iam::123456789012:user/rotator");
    expect(await errorOf(t.sts({ ...key, secretAccessKey: key.secretAccessKey.replace(/.$/, (c) => (c === "x" ? "y" : "x")) }).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: "SignatureDoesNotMatch", status: 403 });
    expect(await errorOf(t.ecr({ ...key, secretAccessKey: "wrong" }).send(new DescribeRepositoriesCommand({})))).toMatchObject({ name: "InvalidSignatureException", status: 400 });

    await t.iam().send(new UpdateAccessKeyCommand({ UserName: "rotator", AccessKeyId: key.accessKeyId, Status: "Inactive" }));
    expect(await errorOf(t.sts(key).send(new GetCallerIdentityCommand({})))).toEqual(INVALID_TOKEN);
    await t.iam().send(new UpdateAccessKeyCommand({ UserName: "rotator", AccessKeyId: key.accessKeyId, Status: "Active" }));
    expect((await t.sts(key).send(new GetCallerIdentityCommand({}))).Account).toBe("123456789012");
    await t.iam().send(new DeleteAccessKeyCommand({ UserName: "rotator", AccessKeyId: key.accessKeyId }));
    expect(await errorOf(t.sts(key).send(new GetCallerIdentityCommand({})))).toEqual(INVALID_TOKEN);
    expect(await errorOf(t.sts({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" }).send(new GetCallerIdentityCommand({})))).toEqual(INVALID_TOKEN);

    const [cliDeleted, cliEcr] = await Promise.all([t.cli(["sts", "get-caller-identity"], key), t.cli(["ecr", "describe-repositories"], key)]);
    expect(cliDeleted.stderr).toContain("An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.");
    expect(cliEcr.stderr).toContain("(UnrecognizedClientException)");
  }, 240_000);

  it("refuses requests signed more than 15 minutes away from the sandbox clock", async () => {
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const res = await signedFetch(ADMIN, t.url + "/", { method: "POST", body, service: "sts", signingDate: new Date(Date.now() - 20 * 60_000) });
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect(xml).toMatch(/<Message>Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)<\/Message>/);
    const fresh = await signedFetch(ADMIN, t.url + "/", { method: "POST", body, service: "sts" });
    expect(await fresh.text()).toContain("<Arn>arn:aws:iam::123456789012:root</Arn>");
  });
});

describe("query-string (presigned) SigV4", () => {
  it("accepts a presigned STS call and refuses it once expired or tampered with", async () => {
    const u = new URL(t.url);
    const signer = new SignatureV4({ credentials: ADMIN, region: "us-east-1", service: "sts", sha256: Hash.bind(null, "sha256") });
    const presign = (signingDate?: Date) =>
      signer.presign({ method: "GET", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" }, headers: { host: u.host } }, { expiresIn: 60, signingDate });
    const toUrl = (req: Awaited<ReturnType<typeof presign>>) => `${t.url}/?${new URLSearchParams(req.query as Record<string, string>).toString()}`;
    const ok = await fetch(toUrl(await presign()));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("<Arn>arn:aws:iam::123456789012:root</Arn>");
    const expired = await fetch(toUrl(await presign(new Date(Date.now() - 5 * 60_000))));
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain("<Code>RequestExpired</Code>");
    const tampered = toUrl(await presign()).replace("GetCallerIdentity", "GetSessionToken");
    expect((await fetch(tampered)).status).toBe(403);
  });
});

describe("faults on demand", () => {
  const addFault = (fault: object) =>
    fetch(`${t.url}/_sandbox/faults`, { method: "POST", headers: { authorization: `Bearer ${t.sb.ctx.options.adminToken}`, "content-type": "application/json" }, body: JSON.stringify(fault) });

  it("throttles, fails and slows the chosen operation for its next N calls, in each protocol's words", async () => {
    expect((await addFault({ service: "ecr", operation: "DescribeRepositories", kind: "throttle", count: 1 })).status).toBe(201);
    expect(await errorOf(t.ecr().send(new DescribeRepositoriesCommand({})))).toEqual({ name: "ThrottlingException", message: "Rate exceeded", status: 400 });
    expect((await t.ecr().send(new DescribeRepositoriesCommand({}))).repositories).toBeDefined();

    await addFault({ service: "iam", operation: "ListUsers", kind: "throttle", count: 1 });
    expect(await errorOf(t.iam().send(new ListUsersCommand({})))).toEqual({ name: "Throttling", message: "Rate exceeded", status: 400 });
    await addFault({ service: "sts", operation: "*", kind: "503", count: 1 });
    expect(await errorOf(t.sts().send(new GetCallerIdentityCommand({})))).toMatchObject({ name: "ServiceUnavailable", status: 503 });
    await addFault({ service: "cloudtrail", operation: "LookupEvents", kind: "500", count: 1 });
    expect(await errorOf(t.cloudtrail().send(new LookupEventsCommand({ MaxResults: 1 })))).toMatchObject({ name: "InternalFailure", status: 500 });
    await addFault({ service: "ecr", operation: "DescribeRepositories", kind: "access-denied", count: 1 });
    expect(await errorOf(t.ecr().send(new DescribeRepositoriesCommand({})))).toMatchObject({ name: "AccessDeniedException", status: 400 });
    await addFault({ service: "ecr", operation: "DescribeRepositories", kind: "latency", latencyMs: 400, count: 1 });
    const started = Date.now();
    await t.ecr().send(new DescribeRepositoriesCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it("accepts admin calls signed with the administrator key and refuses other signatures", async () => {
    const body = JSON.stringify({ service: "ecr", operation: "ListImages", kind: "throttle", count: 1 });
    const ok = await signedFetch(ADMIN, `${t.url}/_sandbox/faults`, { method: "POST", body, service: "sandbox" });
    expect(ok.status).toBe(201);
    const bad = await signedFetch({ ...ADMIN, secretAccessKey: "wrong" }, `${t.url}/_sandbox/faults`, { method: "POST", body, service: "sandbox" });
    expect(bad.status).toBe(403);
    const { pushUserKey } = await t.seedShared();
    const user = await signedFetch(pushUserKey!, `${t.url}/_sandbox/faults`, { method: "GET", service: "sandbox" });
    expect(user.status).toBe(403);
    const list = await signedFetch(ADMIN, `${t.url}/_sandbox/faults`, { method: "GET", service: "sandbox" });
    expect(((await list.json()) as { faults: unknown[] }).faults).toHaveLength(1);
    const keys = await signedFetch(ADMIN, `${t.url}/_sandbox/aws/keys?user=github-ecr-push`, { method: "GET", service: "sandbox" });
    const listed = (await keys.json()) as { keys: Array<Record<string, unknown>> };
    expect(listed.keys[0].accessKeyId).toBe(pushUserKey!.accessKeyId);
    expect(JSON.stringify(listed)).not.toContain(pushUserKey!.secretAccessKey);
  });
});
