// CloudTrail's refused AssumeRoleWithWebIdentity events are written by whoever calls STS: anyone holding a GitHub ID
// token (a run of any repository) may name any role ARN of this account, even one IAM cannot look up. Against the
// sandbox over HTTP (its own sandbox: the odd refusal would otherwise sit in other files' CloudTrail).

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { sharedTestSandbox } from "../tooling/testing/shared-test-sandbox";
import { testContext } from "../operations/rotation/testing/rotation-test-kit";
import { startOidcMove } from "../operations/oidc/apply-oidc-move";
import { readOidcRefusals } from "./oidc-doctor";

const sbx = sharedTestSandbox();

describe("readOidcRefusals with a refusal for a role name IAM cannot hold", () => {
  it("still diagnoses the others (GetRole's ValidationError for that name does not fail them all)", async () => {
    const { ctx, db, dir } = testContext(sbx);
    try {
      const move = await (await startOidcMove(ctx)).done;
      const res = await sbx.admin("POST", "/_sandbox/github/actions/id-token", { repository: "acme/mcp-servers", audience: "sts.amazonaws.com", eventName: "pull_request", ref: "refs/pull/7/merge" });
      const { value: token } = (await res.json()) as { value: string };
      const sts = new STSClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1 });
      await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: move.plan.roleArn, RoleSessionName: "GitHubActions", WebIdentityToken: token }))).rejects.toMatchObject({ name: "AccessDenied" });
      const account = move.plan.roleArn.split(":")[4];
      const odd = `arn:aws:iam::${account}:role/${"r".repeat(80)}`;
      await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: odd, RoleSessionName: "GitHubActions", WebIdentityToken: token }))).rejects.toBeTruthy();

      const refusals = await readOidcRefusals({ clients: sbx.clients }, move.plan.subjects);
      expect(refusals.find((r) => r.roleArn === move.plan.roleArn)).toMatchObject({ subject: `${move.plan.subjectPrefix}:pull_request`, errorCode: "AccessDenied" });
      expect(refusals.find((r) => r.roleArn === odd)?.cause).toMatch(/does not exist or its trust could not be read/);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
