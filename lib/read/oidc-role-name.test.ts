// Which role a repository's OIDC move proposes or uses (oidcRoleName), over a real store: the recorded move's role
// wins; the default repository gets the bare name unless another repository's move already took it (a default that
// changed when GITHUB_REPOSITORIES was reordered); another repository gets a role of its own.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../infra/db/open-db";
import { insertOidcMove, setOidcMoveState } from "../operations/oidc/store";
import type { OidcMovePlan } from "../operations/oidc/types";
import { oidcRoleName, type RoleNameContext } from "./oidc";

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-role-name-"));
  db = openDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ctx = (repository: string, defaultRepository: string): RoleNameContext => {
  const [owner, repo] = repository.split("/");
  return { db, userName: "github-ecr-push", defaultRepository, clients: { repo: { owner, repo } } as RoleNameContext["clients"] };
};
const plan = (repository: string, roleName: string): OidcMovePlan => ({
  repository, providerUrl: "https://token.actions.githubusercontent.com", providerArn: "p", audience: "sts.amazonaws.com", roleName, roleArn: `arn:aws:iam::123456789012:role/${roleName}`,
  trustPolicy: "{}", subjectPrefix: `repo:${repository}`, subjects: [], policyName: "ecr-push-policy", permissionPolicy: "{}", workflowPath: ".github/workflows/ecr.yml", workflowBefore: "", workflowAfter: "",
});
const who = { login: "octo-operator", role: "operator" as const };

describe("oidcRoleName", () => {
  it("proposes the bare name for the default repository and a role of its own for another", () => {
    expect(oidcRoleName(ctx("acme/mcp-servers", "acme/mcp-servers"))).toBe("github-ecr-push-oidc");
    expect(oidcRoleName(ctx("acme/web-gateway", "acme/mcp-servers"))).toBe("github-ecr-push-oidc-acme+web-gateway");
  });

  it("uses the role a repository's move recorded, in any letter case of its name", () => {
    const id = insertOidcMove(db, { requestedBy: "octo-operator", plan: plan("acme/web-gateway", "made-by-hand-role"), who });
    setOidcMoveState(db, id, { state: "completed" }, who);
    expect(oidcRoleName(ctx("acme/web-gateway", "acme/mcp-servers"))).toBe("made-by-hand-role");
    expect(oidcRoleName(ctx("ACME/Web-Gateway", "acme/mcp-servers"))).toBe("made-by-hand-role");
  });

  it("never gives a new default repository the role the old default's move made", () => {
    const id = insertOidcMove(db, { requestedBy: "octo-operator", plan: plan("acme/mcp-servers", "github-ecr-push-oidc"), who });
    setOidcMoveState(db, id, { state: "completed" }, who);
    // GITHUB_REPOSITORIES reordered: web-gateway is the default now.
    expect(oidcRoleName(ctx("acme/web-gateway", "acme/web-gateway"))).toBe("github-ecr-push-oidc-acme+web-gateway");
    expect(oidcRoleName(ctx("acme/mcp-servers", "acme/web-gateway"))).toBe("github-ecr-push-oidc");
  });
});
