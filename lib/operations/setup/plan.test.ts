import { describe, expect, it } from "vitest";
import { planSetup } from "./plan";
import { judgePermissions } from "./permissions";
import type { SetupState } from "./types";

const names = { userName: "github-ecr-push", policyName: "ecr-push-policy", region: "us-east-1" };
const key = (id: string, status = "Active") => ({ accessKeyId: id, status, createDate: "2026-01-01T00:00:00Z" });

/** Everything done, as the guide ends. Tests take away or break one thing at a time. */
function done(over: Partial<SetupState> = {}): SetupState {
  return {
    names,
    user: { exists: true, arn: "arn:aws:iam::123456789012:user/github-ecr-push" },
    policy: { present: true, matches: true, addedActions: [], removedActions: [] },
    keys: [key("AKIAHELD")],
    secrets: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    variables: [{ name: "AWS_REGION", value: "us-east-1" }],
    repositories: ["mcp-server-tcp"],
    repositoriesWithImages: 1,
    pushBranch: "main",
    knownHeldKeyId: null,
    errors: [],
    ...over,
  };
}
const ids = (s: SetupState) => planSetup(s).steps.map((x) => x.id);

describe("planSetup", () => {
  it("plans a first push only when the region holds no image at all", () => {
    expect(ids(done({ repositories: [], repositoriesWithImages: 0 }))).toEqual(["first-push", "verify"]);
    expect(ids(done({ repositories: ["mcp-server-tcp"], repositoriesWithImages: 0 }))).toEqual(["first-push", "verify"]);
    // Unknown (the read failed) is not "empty": nothing is pushed on a guess.
    expect(ids(done({ repositories: null, repositoriesWithImages: null }))).toEqual(["verify"]);
    const step = planSetup(done({ repositoriesWithImages: 0, pushBranch: "release" })).steps[0];
    expect(step.calls.join("\n")).toContain("Deckhand push of release's head");
    expect(planSetup(done({ repositoriesWithImages: 0 })).requiredActions).not.toContain("ecr:PutImage");
  });

  it("plans only the verification when every step is done", () => {
    expect(ids(done())).toEqual(["verify"]);
    expect(planSetup(done()).items.filter((i) => i.status !== "done" && i.status !== "optional")).toEqual([]);
  });

  it("plans everything for an empty account, the user's steps first and the variable before the key", () => {
    const s = done({ user: { exists: false, arn: null }, policy: { present: false, matches: false, addedActions: [], removedActions: [] }, keys: [], secrets: [], variables: [] });
    expect(ids(s)).toEqual(["create-user", "put-policy", "set-region-variable", "create-key", "verify"]);
    expect(planSetup(s).requiredActions).toEqual(expect.arrayContaining(["iam:CreateUser", "iam:PutUserPolicy", "iam:CreateAccessKey"]));
  });

  it("ignores stale key and policy reads when the user does not exist", () => {
    // A user deleted and the keys list read from before: nothing but a fresh user can hold a key.
    const s = done({ user: { exists: false, arn: null }, keys: [key("AKIAOLD"), key("AKIAOLD2")] });
    const p = planSetup(s);
    expect(p.blockers).toEqual([]);
    expect(p.steps.map((x) => x.id)).toEqual(["create-user", "put-policy", "create-key", "verify"]);
  });

  it("replaces a drifted policy and names what differs", () => {
    const p = planSetup(done({ policy: { present: true, matches: false, addedActions: ["ecr:PutImage"], removedActions: ["ecr:DeleteRepository"] } }));
    expect(p.steps.map((x) => x.id)).toEqual(["put-policy", "verify"]);
    expect(p.items.find((i) => i.id === "policy")).toMatchObject({ status: "wrong" });
    expect(p.steps[0].why).toMatch(/missing ecr:PutImage; grants more: ecr:DeleteRepository/);
  });

  it("treats AWS_REGION stored as a secret as a removal needing confirmation plus a new variable", () => {
    const p = planSetup(done({ secrets: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"], variables: [] }));
    expect(p.steps.map((x) => x.id)).toEqual(["remove-region-secret", "set-region-variable", "verify"]);
    expect(p.steps[0].needsConfirmation).toBeTruthy();
    expect(p.items.find((i) => i.id === "variable")).toMatchObject({ status: "wrong" });
  });

  it("updates a variable naming another region with PATCH", () => {
    const p = planSetup(done({ variables: [{ name: "AWS_REGION", value: "eu-west-1" }] }));
    expect(p.steps[0]).toMatchObject({ id: "set-region-variable" });
    expect(p.steps[0].calls[0]).toMatch(/^GitHub PATCH .*AWS_REGION value=us-east-1$/);
  });

  it("creates a key when only one of the two secrets exists, and deactivates the key GitHub does not hold", () => {
    const p = planSetup(done({ secrets: ["AWS_ACCESS_KEY_ID"] }));
    expect(p.steps.map((x) => x.id)).toEqual(["create-key", "verify"]);
    expect(p.items.find((i) => i.id === "secrets")).toMatchObject({ status: "wrong" });
    expect(p.steps[0].calls).toContain("IAM UpdateAccessKey AccessKeyId=AKIAHELD Status=Inactive (GitHub does not hold it)");
  });

  it("secrets that could not be listed: whether GitHub holds a key is unknown, and no key step makes or deactivates a key", () => {
    const p = planSetup(done({ secrets: null }));
    expect(p.items.find((i) => i.id === "key")).toMatchObject({ status: "unknown", detail: "Not known: the repository's secrets could not be listed." });
    expect(p.steps.map((s) => s.id)).not.toContain("create-key");
    expect(JSON.stringify(p.steps)).not.toContain("UpdateAccessKey");
  });

  it("creates a key when the secrets exist but every key is inactive", () => {
    expect(ids(done({ keys: [key("AKIAOFF", "Inactive")] }))).toEqual(["create-key", "verify"]);
  });

  it("creates a key when the key Deckhand last wrote is no longer an active key", () => {
    const p = planSetup(done({ knownHeldKeyId: "AKIAGONE", keys: [key("AKIAOTHER")] }));
    expect(p.steps.map((x) => x.id)).toEqual(["create-key", "verify"]);
    expect(p.steps[0].why).toMatch(/AKIAGONE/);
  });

  it("counts the key and AWS_REGION the organization or an environment gives the run: no repository copy to shadow them", () => {
    const org = { where: "organization secret (selected repositories)" };
    const state = done({ secrets: [], variables: [], inherited: { AWS_ACCESS_KEY_ID: org, AWS_SECRET_ACCESS_KEY: org, AWS_REGION: { where: "organization variable (selected repositories)", value: "us-east-1" } } });
    expect(ids(state)).toEqual(["verify"]);
    const items = Object.fromEntries(planSetup(state).items.map((i) => [i.id, i]));
    expect(items.secrets).toMatchObject({ status: "done", detail: "Both exist. AWS_ACCESS_KEY_ID from the organization secret (selected repositories); AWS_SECRET_ACCESS_KEY from the organization secret (selected repositories)." });
    expect(items.variable).toMatchObject({ status: "done", detail: "Set (from the organization variable (selected repositories))." });
    // Whose key the organization's pair holds is not known (a shared CI key of another user?): said, nothing written.
    expect(items.key.status).toBe("unknown");
    expect(items.key.detail).toMatch(/^AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY come from the organization secret \(selected repositories\): .* whether it holds a key of github-ecr-push is not known here/);
    // Deckhand wrote that key itself (its last rotation): done.
    expect(planSetup({ ...state, knownHeldKeyId: "AKIAHELD" }).items.find((i) => i.id === "key")).toMatchObject({ status: "done", detail: "GitHub holds AKIAHELD (active)." });
  });

  it("a wrong AWS_REGION from another scope is fixed there: a blocker naming it, no repository variable written over it", () => {
    // An environment's copy wins over the repository's own correct one: that is what the run gets.
    const plan = planSetup(done({ inherited: { AWS_REGION: { where: "environment variable (production)", value: "eu-west-1" } } }));
    expect(plan.steps.map((s) => s.id)).not.toContain("set-region-variable");
    expect(plan.blockers).toContain('AWS_REGION is "eu-west-1" from the environment variable (production), not us-east-1: change it there (the guided setup writes only this repository\'s variable).');
    expect(plan.items.find((i) => i.id === "variable")).toMatchObject({ status: "wrong", detail: 'AWS_REGION is "eu-west-1" (from the environment variable (production)).' });
  });

  it("one secret from the organization and none of the other: still a key to create", () => {
    const state = done({ secrets: [], inherited: { AWS_ACCESS_KEY_ID: { where: "organization secret (all repositories)" } } });
    expect(planSetup(state).items.find((i) => i.id === "secrets")).toMatchObject({ status: "wrong", detail: "Missing: AWS_SECRET_ACCESS_KEY. AWS_ACCESS_KEY_ID from the organization secret (all repositories)." });
    expect(ids(state)).toContain("create-key");
  });

  it("refuses to plan a third key: two keys block the key step", () => {
    const p = planSetup(done({ secrets: [], keys: [key("AKIA1"), key("AKIA2", "Inactive")] }));
    expect(p.blockers.join(" ")).toMatch(/already has two access keys/);
  });

  it("turns failed reads into unknown items and blockers, never into steps", () => {
    const p = planSetup(done({ user: null, policy: null, keys: null, secrets: null, variables: null, repositories: null, errors: ["AWS IAM GetUser: access denied."] }));
    expect(p.steps.map((x) => x.id)).toEqual(["verify"]);
    expect(p.items.every((i) => i.status === "unknown")).toBe(true);
    expect(p.blockers).toEqual(["AWS IAM GetUser: access denied."]);
  });
});

describe("judgePermissions", () => {
  const required = ["iam:CreateUser", "iam:PutUserPolicy"];
  const doc = (...statements: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement: statements });

  it("lets the account root do everything", () => {
    expect(judgePermissions({ callerArn: "arn:aws:iam::123456789012:root", policies: null, required }).kind).toBe("ok");
  });

  it("names the actions a user's policies do not allow", () => {
    const v = judgePermissions({ callerArn: "arn:aws:iam::1:user/deckhand", policies: [doc({ Effect: "Allow", Action: "iam:Put*", Resource: "*" })], required });
    expect(v).toMatchObject({ kind: "missing", actions: ["iam:CreateUser"] });
  });

  it("lets an explicit Deny win over an Allow", () => {
    const v = judgePermissions({
      callerArn: "arn:aws:iam::1:user/deckhand",
      policies: [doc({ Effect: "Allow", Action: "iam:*", Resource: "*" }), doc({ Effect: "Deny", Action: "iam:createuser", Resource: "*" })],
      required,
    });
    expect(v).toMatchObject({ kind: "missing", actions: ["iam:CreateUser"] });
  });

  it("understands NotAction", () => {
    const v = judgePermissions({ callerArn: "arn:aws:iam::1:user/deckhand", policies: [doc({ Effect: "Allow", NotAction: "s3:*", Resource: "*" })], required });
    expect(v.kind).toBe("ok");
  });

  it("says unknown for roles and for unreadable policies", () => {
    expect(judgePermissions({ callerArn: "arn:aws:sts::1:assumed-role/deckhand/x", policies: [], required }).kind).toBe("unknown");
    expect(judgePermissions({ callerArn: "arn:aws:iam::1:user/deckhand", policies: null, required }).kind).toBe("unknown");
  });
});
