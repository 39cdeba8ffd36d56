import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { listRepoSecrets } from "./secrets";
import { listRepoVariables } from "./variables";
import { deleteRepoSecret, setRepoVariable } from "./write-variable";

const sbx = sharedTestSandbox({ scenario: "partial" });

describe("setup writes, over the wire", () => {
  it("creates a variable, then updates it (PATCH), both idempotent", async () => {
    const { github, repo } = sbx.clients;
    expect(await setRepoVariable({ github, repo, name: "AWS_REGION", value: "us-west-2" })).toEqual({ created: true });
    expect(await setRepoVariable({ github, repo, name: "AWS_REGION", value: "us-east-1" })).toEqual({ created: false });
    expect(await setRepoVariable({ github, repo, name: "AWS_REGION", value: "us-east-1" })).toEqual({ created: false });
    expect((await listRepoVariables({ github, repo })).map((v) => [v.name, v.value])).toEqual([["AWS_REGION", "us-east-1"]]);
  });

  it("deletes a secret; a secret already gone counts as deleted", async () => {
    const { github, repo } = sbx.clients;
    expect((await listRepoSecrets({ github, repo })).map((s) => s.name)).toContain("AWS_REGION");
    expect(await deleteRepoSecret({ github, repo, name: "AWS_REGION" })).toEqual({ existed: true });
    expect(await deleteRepoSecret({ github, repo, name: "AWS_REGION" })).toEqual({ existed: false });
    expect((await listRepoSecrets({ github, repo })).map((s) => s.name)).not.toContain("AWS_REGION");
  });

});
