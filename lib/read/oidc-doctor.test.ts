// The doctor's OIDC mode against the sandbox: a role pinned to main (made by the move), a run from a pull request
// assumes it as configure-aws-credentials would (the run's ID token → STS), and the refusal is diagnosed from
// CloudTrail: the subject, the condition that refused it, the fix.

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { sharedTestSandbox } from "../tooling/testing/shared-test-sandbox";
import { testContext } from "../operations/rotation/testing/rotation-test-kit";
import { startOidcMove } from "../operations/oidc/apply-oidc-move";
import { readOidcRefusals } from "./oidc-doctor";

const sbx = sharedTestSandbox();

describe("readOidcRefusals", () => {
  it("a trust pinned to main and a run from a pull request: the subject, the refusing condition and the fix", async () => {
    const { ctx, db, dir } = testContext(sbx);
    try {
      const move = await (await startOidcMove(ctx)).done;
      const res = await sbx.admin("POST", "/_sandbox/github/actions/id-token", { repository: "acme/mcp-servers", audience: "sts.amazonaws.com", eventName: "pull_request", ref: "refs/pull/7/merge" });
      const { value: token } = (await res.json()) as { value: string };
      const sts = new STSClient({ endpoint: sbx.url, region: "us-east-1", maxAttempts: 1 });
      await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: move.plan.roleArn, RoleSessionName: "GitHubActions", WebIdentityToken: token }))).rejects.toMatchObject({ name: "AccessDenied" });

      const [d] = await readOidcRefusals({ clients: sbx.clients }, move.plan.subjects);
      const prSubject = `${move.plan.subjectPrefix}:pull_request`;
      expect(d).toMatchObject({ subject: prSubject, audience: "sts.amazonaws.com", errorCode: "AccessDenied", roleArn: move.plan.roleArn });
      expect(d.cause).toBe(`GitHubActionsExact requires StringEquals token.actions.githubusercontent.com:sub "${move.plan.subjects[0].value}"; the run presented "${prSubject}".`);
      expect(d.fix).toMatch(/came from a pull request/);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
