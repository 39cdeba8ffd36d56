// The OIDC move per repository, against the sandbox's `fleet` scenario over HTTP (acme/mcp-servers, the default,
// holds github-ecr-push's key as repository secrets; acme/web-gateway holds the same key through organization
// secrets): the second repository moves to a role of its own (its trust pinned to its own subjects, its pull request
// in its own repository, the default repository untouched); a move killed in a real child process is resumed by the
// server-start path with its own repository's clients; and the shared key is not deactivated while the default
// repository's workflow still signs in with it, even though CloudTrail saw no use of the key (an idle repository
// would break on its next run), until that repository has moved too.

import path from "node:path";
import { describe, expect, it } from "vitest";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { runKillChild } from "../../tooling/testing/kill-child-support";
import { fleetOperationFixture } from "../../tooling/testing/fleet-operation-fixture";
import { listAccessKeys } from "../../integrations/aws/iam";
import { oidcRoleName } from "../../read/oidc";
import { readOtherKeyUsers, readRoleProof } from "../../read/oidc-proof";
import type { OperationContext } from "../context";
import { resumeInterruptedOidcMoves, resumeOidcMove, startOidcMove } from "./apply-oidc-move";
import { activeOidcMove, getOidcMove, listOidcSteps } from "./store";
import { deactivateRetiredKey, deleteRetiredKey } from "./retire-key";

const REPOSITORIES = "acme/mcp-servers,acme/web-gateway";
const GATEWAY = "acme/web-gateway";
const GATEWAY_ROLE = "github-ecr-push-oidc-acme+web-gateway";
const CHILD = path.resolve("lib/operations/oidc/testing/kill-child.ts");

const fx = fleetOperationFixture(REPOSITORIES);
const refOf = (name: string) => ({ owner: name.split("/")[0], repo: name.split("/")[1] });
const oidcBranch = (name: string) => fx.sb.clients.github.rest.git.getRef({ ...refOf(name), ref: "heads/deckhand/oidc-role" }).then(() => true, () => false);
const workflowOn = async (name: string, ref: string) =>
  Buffer.from(((await fx.sb.clients.github.rest.repos.getContent({ ...refOf(name), path: ".github/workflows/ecr.yml", ref })).data as { content: string }).content, "base64").toString("utf8");

async function waitSettled(id: number) {
  for (let i = 0; i < 300 && getOidcMove(fx.db, id)!.state === "running"; i++) await new Promise((r) => setTimeout(r, 100));
  return getOidcMove(fx.db, id)!;
}

/** Merge the move's pull request as a user would, then the run's `docker push` with the role's session (the sandbox's runner leaves it to the test). */
async function mergeAndPushWithRole(name: string, moveId: number) {
  const pr = listOidcSteps(fx.db, moveId).filter((s) => s.step === "workflow-pr" && s.outcome === "succeeded").at(-1)!.detail!.pullRequest as number;
  await fx.sb.clients.github.rest.pulls.merge({ ...refOf(name), pull_number: pr });
  const { value: token } = (await (await fx.sb.admin("POST", "/_sandbox/github/actions/id-token", { repository: name, audience: "sts.amazonaws.com", ref: "refs/heads/main", eventName: "push" })).json()) as { value: string };
  const creds = (await new STSClient({ endpoint: fx.sb.url, region: "us-east-1", maxAttempts: 1 }).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: getOidcMove(fx.db, moveId)!.plan.roleArn, RoleSessionName: "GitHubActions", WebIdentityToken: token }))).Credentials!;
  const ecr = new ECRClient({ endpoint: fx.sb.url, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! } });
  const image = (await ecr.send(new BatchGetImageCommand({ repositoryName: "mcp-server-tcp", imageIds: [{ imageTag: "latest" }] }))).images![0];
  await ecr.send(new PutImageCommand({ repositoryName: "mcp-server-tcp", imageManifest: image.imageManifest, imageManifestMediaType: image.imageManifestMediaType, imageTag: `role-push-${moveId}` }));
}

describe("the OIDC move of a repository other than the default", () => {
  let gatewayMove: number;

  it("is killed after its role's policy, then resumed by the server-start path with its own repository's clients", async () => {
    const child = await runKillChild(CHILD, { sandboxUrl: fx.sb.url, dataDir: fx.dir, failpoint: "oidc:after-role-policy", repository: GATEWAY, repositories: REPOSITORIES });
    expect(child.signal, child.out).toBe("SIGKILL");
    const left = activeOidcMove(fx.db, GATEWAY)!;
    expect(left).toMatchObject({ state: "running", plan: { repository: GATEWAY, roleName: GATEWAY_ROLE } });
    // Resumed by a server start: the default repository's clients are what instrumentation has.
    const start: OperationContext = { ...fx.acting(), actor: { login: "deckhand", role: "system" } };
    expect(await resumeInterruptedOidcMoves(start)).toEqual([left.id]);
    const m = await waitSettled(left.id);
    expect(m.state, m.message ?? "").toBe("completed");
    gatewayMove = m.id;
  });

  it("made a role of its own, pinned to its own subjects, and a pull request in its own repository only", async () => {
    const m = getOidcMove(fx.db, gatewayMove)!;
    const role = (await fx.sb.clients.aws.iam.send(new GetRoleCommand({ RoleName: GATEWAY_ROLE }))).Role!;
    const trust = decodeURIComponent(role.AssumeRolePolicyDocument!);
    // The repository's own subject (its prefix as GitHub's sub-claim template says: here the immutable owner@id/name@id form).
    expect(m.plan.subjectPrefix).toMatch(/^repo:acme(@\d+)?\/web-gateway(@\d+)?$/);
    expect(trust).toContain(`"${m.plan.subjectPrefix}:ref:refs/heads/main"`);
    expect(trust).not.toContain("mcp-servers");
    // The default repository's role name is left for the default repository's own move.
    await expect(fx.sb.clients.aws.iam.send(new GetRoleCommand({ RoleName: "github-ecr-push-oidc" }))).rejects.toMatchObject({ name: "NoSuchEntityException" });
    const pr = listOidcSteps(fx.db, m.id).filter((s) => s.step === "workflow-pr").at(-1)!;
    const opened = (await fx.sb.clients.github.rest.pulls.get({ ...refOf(GATEWAY), pull_number: pr.detail!.pullRequest as number })).data;
    expect(opened).toMatchObject({ state: "open", head: { ref: "deckhand/oidc-role" } });
    expect(await workflowOn(GATEWAY, "deckhand/oidc-role")).toContain(`role-to-assume: ${m.plan.roleArn}`);
    expect(await oidcBranch("acme/mcp-servers")).toBe(false);
    expect(await workflowOn("acme/mcp-servers", "main")).toContain("secrets.AWS_ACCESS_KEY_ID");
    // Every reader finds each repository's own role.
    expect(oidcRoleName(fx.reads(GATEWAY))).toBe(GATEWAY_ROLE);
    expect(oidcRoleName(fx.reads("acme/mcp-servers"))).toBe("github-ecr-push-oidc");
  });

  it("is resumed only from its own repository", async () => {
    const refused = await resumeOidcMove(fx.acting("acme/mcp-servers"), { moveId: gatewayMove }).then(() => null, (e: Error & { code?: string }) => e);
    expect(refused?.code).toBe("invalid-input");
    expect(refused?.message).toContain("acme/web-gateway");
  });

  it("does not deactivate the shared key while the default repository's workflow still signs in with it, then does once it moved too", async () => {
    await mergeAndPushWithRole(GATEWAY, gatewayMove);
    expect((await fx.sb.admin("POST", "/_sandbox/age", { days: 8 })).status).toBe(200);
    const gateway = fx.acting(GATEWAY);
    // CloudTrail alone says yes: the key went unused for the grace period.
    expect((await readRoleProof({ clients: gateway.clients, db: fx.db, userName: "github-ecr-push" }))!.proof.verdict).toBe("ready-to-retire");
    expect(await readOtherKeyUsers(fx.reads(GATEWAY), fx.config.github.repositories, [])).toEqual({
      users: ["acme/mcp-servers (its workflow .github/workflows/ecr.yml signs in with the key)"],
      holders: ["acme/mcp-servers (its runs get AWS_ACCESS_KEY_ID)"],
      unknown: [],
    });
    const refused = await deactivateRetiredKey(gateway).then(() => null, (e: Error & { code?: string }) => e);
    expect(refused?.code).toBe("oidc-blocked");
    expect(refused?.message).toContain("acme/mcp-servers (its workflow .github/workflows/ecr.yml signs in with the key)");
    expect((await listAccessKeys({ iam: fx.sb.clients.aws.iam, userName: "github-ecr-push" })).filter((k) => k.status === "Active")).toHaveLength(1);

    // The default repository moves to its own role; its pull request merged, nothing else needs the key.
    const own = await (await startOidcMove(fx.acting("acme/mcp-servers"))).done;
    expect(own.state, own.message ?? "").toBe("completed");
    expect(own.plan.roleName).toBe("github-ecr-push-oidc");
    await mergeAndPushWithRole("acme/mcp-servers", own.id);
    // Moved: its workflow no longer needs the key, but its secrets still hold it.
    expect(await readOtherKeyUsers(fx.reads(GATEWAY), fx.config.github.repositories, [])).toEqual({ users: [], holders: ["acme/mcp-servers (its runs get AWS_ACCESS_KEY_ID)"], unknown: [] });
    // An owner wildcard of the same push user whose discovery has not answered yet: a repository it would find may need
    // the key, so the verb refuses (fails closed) until discovery has listed them.
    fx.config.github.discover = [{ owner: "acme", pushUser: "github-ecr-push", pushUserNamed: false }];
    try {
      const waiting = await deactivateRetiredKey(fx.acting(GATEWAY)).then(() => null, (e: Error & { code?: string }) => e);
      expect(waiting?.code).toBe("oidc-blocked");
      expect(waiting?.message).toContain("acme/* (its repositories have not been discovered yet)");
      expect((await listAccessKeys({ iam: fx.sb.clients.aws.iam, userName: "github-ecr-push" })).filter((k) => k.status === "Active")).toHaveLength(1);
    } finally {
      fx.config.github.discover = [];
    }
    const done = await deactivateRetiredKey(fx.acting(GATEWAY));
    expect(done.keys).toHaveLength(1);
    const [inactive] = await listAccessKeys({ iam: fx.sb.clients.aws.iam, userName: "github-ecr-push" });
    expect(inactive.status).toBe("Inactive");
    // web-gateway's own copies gone (its organization secrets), the key is still not deleted: mcp-servers' secrets hold it.
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) await fx.sb.clients.github.rest.actions.deleteOrgSecret({ org: "acme", secret_name: name });
    const kept = await deleteRetiredKey(fx.acting(GATEWAY), { accessKeyId: inactive.accessKeyId }).then(() => null, (e: Error & { code?: string }) => e);
    expect(kept?.code).toBe("conflict");
    expect(kept?.message).toContain("acme/mcp-servers (its runs get AWS_ACCESS_KEY_ID)");
    expect(await listAccessKeys({ iam: fx.sb.clients.aws.iam, userName: "github-ecr-push" })).toHaveLength(1);
  });
});
