import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../../tooling/testing/shared-test-sandbox";
import { getSecretUpdatedAt, updatedSince, writeAccessKeyToSecrets, writeRepoSecret } from "./write-secret";

const sbx = sharedTestSandbox();

const decrypted = async (name: string) =>
  ((await (await sbx.admin("GET", `/_sandbox/github/repos/${sbx.clients.repo.owner}/${sbx.clients.repo.repo}/secrets/${name}`)).json()) as { value: string }).value;

describe("write-secret", () => {
  it("seals with the repository key so GitHub decrypts exactly the value, and reads back updated_at", async () => {
    const { github, repo } = sbx.clients;
    const before = new Date();
    const r = await writeRepoSecret({ github, repo, name: "DECKHAND_TEST", value: "héllo / wörld + = 40" });
    expect(updatedSince(r.updatedAt, before)).toBe(true);
    expect(await decrypted("DECKHAND_TEST")).toBe("héllo / wörld + = 40");
    expect(await getSecretUpdatedAt({ github, repo, name: "NO_SUCH_SECRET" })).toBeNull();
  });

  it("writes an access key into the guide's two secrets", async () => {
    const { github, repo } = sbx.clients;
    const out = await writeAccessKeyToSecrets({ github, repo, accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s".repeat(40) });
    expect(out.accessKeyIdUpdatedAt).toEqual(expect.any(String));
    expect(await decrypted("AWS_ACCESS_KEY_ID")).toBe("AKIAIOSFODNN7EXAMPLE");
    expect(await decrypted("AWS_SECRET_ACCESS_KEY")).toBe("s".repeat(40));
  });

  it("updatedSince compares at GitHub's whole-second resolution", () => {
    expect(updatedSince("2026-01-01T10:00:05Z", new Date("2026-01-01T10:00:05.900Z"))).toBe(true);
    expect(updatedSince("2026-01-01T10:00:04Z", new Date("2026-01-01T10:00:05.100Z"))).toBe(false);
    expect(updatedSince(null, new Date())).toBe(false);
  });
});
