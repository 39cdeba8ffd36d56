// The store half of the boundary between push users (no GitHub call is needed when no organization holder can reach
// another user's repository): another user's active rotation that recorded the same holder refuses the plan. The
// GitHub half (an organization secret reaching another user's repository) is tested over HTTP in push-users.test.ts.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../infra/db/open-db";
import type { GitHubClient } from "../../integrations/clients/github-client";
import { endStep, insertRotation, setRotation } from "./store";
import { checkUserBoundaries, holderKey, UserBoundaryError } from "./user-boundaries";
import type { PlannedHolder } from "./holders";

let dir: string;
let db: Db;
const who = { login: "octo-operator", role: "operator" as const };
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-boundaries-"));
  db = openDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Never called in these cases: any call would throw. */
const noGitHub = new Proxy({}, { get: () => { throw new Error("GitHub was called"); } }) as unknown as GitHubClient;
const configured = [
  { repository: "acme/mcp-servers", owner: "acme", repo: "mcp-servers", pushUser: "github-ecr-push", pushUserNamed: false },
  { repository: "acme/web-gateway", owner: "acme", repo: "web-gateway", pushUser: "ecr-push-payments", pushUserNamed: true },
];

function recordedRotation(userName: string, repository: string | null, holders: PlannedHolder[]): number {
  const { rotationId, stepId } = insertRotation(db, { trigger: "operator", requestedBy: "octo-operator", userName, repository, who });
  endStep(db, stepId, { outcome: "succeeded", detail: { holders } }, who);
  return rotationId;
}

describe("holderKey", () => {
  it("names one secret pair the same whoever recorded it: organizations by login, others by repository (case-insensitive)", () => {
    expect(holderKey({ scope: "organization", org: "ACME", repositories: ["x/y"] }, "a/b")).toBe("organization:acme");
    expect(holderKey({ scope: "repository", repository: "Acme/Web-Gateway" }, "a/b")).toBe("repository:acme/web-gateway");
    // Recorded before the fleet: the rotation's own repository.
    expect(holderKey({ scope: "repository" }, "acme/mcp-servers")).toBe("repository:acme/mcp-servers");
    expect(holderKey({ scope: "environment", environment: "production", repository: "acme/web-gateway" }, "a/b")).toBe("environment:acme/web-gateway:production");
  });
});

describe("checkUserBoundaries (store half)", () => {
  const mine: PlannedHolder[] = [{ scope: "repository", repository: "acme/web-gateway" }];
  const input = (over: Partial<Parameters<typeof checkUserBoundaries>[0]> = {}) => ({
    db,
    github: noGitHub,
    userName: "ecr-push-payments",
    repos: [{ owner: "acme", repo: "web-gateway" }],
    holders: mine,
    configured,
    ...over,
  });

  it("refuses a holder another push user's running or stopped rotation recorded, naming it", async () => {
    const other = recordedRotation("github-ecr-push", "acme/mcp-servers", [{ scope: "repository" }, { scope: "repository", repository: "ACME/web-gateway" }]);
    await expect(checkUserBoundaries(input())).rejects.toThrow(UserBoundaryError);
    await expect(checkUserBoundaries(input())).rejects.toThrow(new RegExp(`rotation #${other} of github-ecr-push \\(running\\) writes the same secrets \\(repository:acme/web-gateway\\)`));
    setRotation(db, other, { state: "stopped" }, who, "rotation.stop");
    await expect(checkUserBoundaries(input())).rejects.toThrow(/\(stopped\)/);
    // Finished: no longer in the way.
    setRotation(db, other, { state: "failed" }, who, "rotation.fail");
    await expect(checkUserBoundaries(input())).resolves.toBeUndefined();
  });

  it("ignores the rotation itself, the same user's, and other users' rotations on other holders", async () => {
    const self = recordedRotation("ecr-push-payments", "acme/web-gateway", mine);
    recordedRotation("github-ecr-push", null, [{ scope: "repository" }, { scope: "organization", org: "other-org" }]);
    await expect(checkUserBoundaries(input({ rotationId: self }))).resolves.toBeUndefined();
  });

  it("asks GitHub nothing when no organization holder can reach another user's repository", async () => {
    // The organization holder reaches only repositories of this user (or ones this rotation writes for).
    await expect(checkUserBoundaries(input({ holders: [{ scope: "organization", org: "acme", repositories: ["acme/web-gateway"] }], configured: configured.slice(1) }))).resolves.toBeUndefined();
  });
});
