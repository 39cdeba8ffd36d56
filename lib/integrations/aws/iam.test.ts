import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../../tooling/testing/sandbox-fixture";
import { getAccessKeyLastUsed, getUser, getUserPolicy, listAccessKeys, listUserPolicies, putUserPolicy } from "./iam";
import { getCallerIdentity } from "./sts";
import { normalizePolicy } from "../../judgements/posture/normalize-policy";
import { AttachUserPolicyCommand, DetachUserPolicyCommand } from "@aws-sdk/client-iam";

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  await sb?.close();
});

describe("lib/integrations/aws/iam against the sandbox", () => {
  it("lists the push user's seeded key with its age and last use", async () => {
    const iam = sb.clients.aws.iam;
    const keys = await Promise.all((await listAccessKeys({ iam, userName: "github-ecr-push" })).map(async (k) => ({ ...k, lastUsed: await getAccessKeyLastUsed({ iam, accessKeyId: k.accessKeyId }) })));
    expect(keys).toHaveLength(1);
    const ageDays = Math.floor((Date.now() - Date.parse(keys[0].createDate as string)) / 86_400_000);
    expect(ageDays).toBe(97);
    expect(keys[0].status).toBe("Active");
    expect(keys[0].lastUsed?.service).toBe("ecr");
    expect(keys[0].lastUsed?.date).not.toBeNull();
  });

  it("reports a never-used key with no date and no N/A placeholders", async () => {
    const keys = await listAccessKeys({ iam: sb.clients.aws.iam, userName: "deckhand-worker" });
    const lu = await getAccessKeyLastUsed({ iam: sb.clients.aws.iam, accessKeyId: keys[0].accessKeyId });
    expect(lu).toEqual({ date: null, service: null, region: null });
  });

  it("reads the inline policy URL-encoded and it normalises to the drifted action list", async () => {
    const inline = await listUserPolicies({ iam: sb.clients.aws.iam, userName: "github-ecr-push" });
    expect(inline.map((p) => p.source.policyName)).toEqual(["ecr-push-policy"]);
    expect(inline[0].document.startsWith("%7B")).toBe(true);
    const parsed = normalizePolicy(inline[0].document);
    expect(parsed.ok && parsed.policy.statements[0].ecrActions).toContain("ecr:DeleteRepository");
    expect(parsed.ok && parsed.policy.statements[0].ecrActions).not.toContain("ecr:CompleteLayerUpload");
  });

  it("reads an attached managed policy at its default version", async () => {
    const iam = sb.clients.aws.iam;
    const arn = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly";
    await iam.send(new AttachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: arn }));
    const policies = await listUserPolicies({ iam, userName: "deckhand-worker" });
    const attached = policies.find((p) => p.source.kind === "attached")!;
    expect(attached.source).toMatchObject({ policyName: "AmazonEC2ContainerRegistryReadOnly", policyArn: arn, versionId: "v1" });
    const parsed = normalizePolicy(attached.document);
    expect(parsed.ok && parsed.policy.statements[0].ecrActions).toContain("ecr:BatchGetImage");
    await iam.send(new DetachUserPolicyCommand({ UserName: "deckhand-worker", PolicyArn: arn }));
  });

  it("PutUserPolicy replaces the document; a missing policy reads as null", async () => {
    const iam = sb.clients.aws.iam;
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" }] });
    await putUserPolicy({ iam, userName: "deckhand-worker", policyName: "probe", document: doc });
    const back = await getUserPolicy({ iam, userName: "deckhand-worker", policyName: "probe" });
    expect(decodeURIComponent(back!)).toBe(doc);
    expect(await getUserPolicy({ iam, userName: "deckhand-worker", policyName: "no-such-policy" })).toBeNull();
  });

  it("retries a throttled ListAccessKeys (the SDK's standard retry) and succeeds", async () => {
    const r = await sb.admin("POST", "/_sandbox/faults", { service: "iam", operation: "ListAccessKeys", kind: "throttle", count: 2 });
    expect(r.status).toBe(201);
    const keys = await listAccessKeys({ iam: sb.clients.aws.iam, userName: "github-ecr-push" });
    expect(keys).toHaveLength(1);
    const left = (await (await sb.admin("GET", "/_sandbox/faults")).json()) as { faults: unknown[] };
    expect(left.faults).toHaveLength(0);
  });

  it("GetUser returns the user, or null for one that does not exist", async () => {
    expect(await getUser({ iam: sb.clients.aws.iam, userName: "github-ecr-push" })).toMatchObject({ userName: "github-ecr-push", arn: "arn:aws:iam::123456789012:user/github-ecr-push" });
    expect(await getUser({ iam: sb.clients.aws.iam, userName: "nobody-here" })).toBeNull();
  });

  it("STS names the sandbox account", async () => {
    const id = await getCallerIdentity({ sts: sb.clients.aws.sts });
    expect(id.account).toBe("123456789012");
  });
});
