// servedRepositories() over a real store (migration 16) and GITHUB_REPOSITORIES as parsed: a push user named in the
// configuration (owner/name:user, owner/*:user) beats an adoption, which beats DECKHAND_IAM_USER, for named and
// discovered repositories alike; an adoption of a repository no longer served is ignored.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "../db/open-db";
import { parseConfig } from "./env";
import { recordDiscovery, servedRepositories } from "./served-repositories";
import { readAdoption, readAdoptions, recordAdoption, removeAdoption } from "./push-user-adoptions";

let db: Db;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-adoptions-"));
  db = openDb(dir);
});
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const adopt = (repository: string, pushUser: string) => recordAdoption(db, { repository, pushUser, adoptedBy: "octo-operator", adoptedAt: "2026-12-03T12:00:00.000Z", runId: 42 });
const users = (served: ReturnType<typeof servedRepositories>) => served.map((r) => `${r.repository}:${r.pushUser}${r.adopted ? " (adopted)" : ""}`);

describe("the adoption store", () => {
  it("keeps one adoption per repository (case-insensitive), replacing and removing it", () => {
    expect(adopt("acme/Web-Gateway", "first")).toBeNull();
    expect(adopt("ACME/web-gateway", "second")).toMatchObject({ repository: "acme/Web-Gateway", pushUser: "first" });
    expect(readAdoptions(db)).toEqual([{ repository: "ACME/web-gateway", pushUser: "second", adoptedBy: "octo-operator", adoptedAt: "2026-12-03T12:00:00.000Z", runId: 42 }]);
    expect(removeAdoption(db, "acme/web-gateway")).toMatchObject({ pushUser: "second" });
    expect(removeAdoption(db, "acme/web-gateway")).toBeNull();
    expect(readAdoption(db, "acme/web-gateway")).toBeNull();
  });
});

describe("servedRepositories applies adoptions: named beats adopted beats the default", () => {
  it("named owner/name:user wins; the default and GITHUB_REPOSITORY alone are adoptable", () => {
    adopt("acme/web-gateway", "ecr-push-payments");
    adopt("ACME/MCP-SERVERS", "ecr-push-payments");
    adopt("acme/billing-worker", "ecr-push-payments");
    const config = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway:ecr-push-web,acme/billing-worker:github-ecr-push" });
    expect(users(servedRepositories(config, db))).toEqual(["acme/mcp-servers:ecr-push-payments (adopted)", "acme/web-gateway:ecr-push-web", "acme/billing-worker:github-ecr-push"]);
    // Naming the default user explicitly (acme/billing-worker:github-ecr-push) counts as naming it.
    const single = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORY: "acme/mcp-servers" });
    expect(servedRepositories(single, db)[0]).toMatchObject({ pushUser: "ecr-push-payments", pushUserNamed: false, adopted: { instead: "github-ecr-push", runId: 42, by: "octo-operator" } });
    // DECKHAND_IAM_USER set to another user: the adoption still says what it replaced.
    const other = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORY: "acme/mcp-servers", DECKHAND_IAM_USER: "ecr-push-main" });
    expect(servedRepositories(other, db)[0].adopted?.instead).toBe("ecr-push-main");
  });

  it("discovered repositories: an unnamed wildcard's are adoptable, a named wildcard's (owner/*:user) are not", () => {
    recordDiscovery(db, { owner: "acme", pushUser: "github-ecr-push", pushUserNamed: false }, { repositories: [{ repository: "acme/billing-worker", owner: "acme", repo: "billing-worker", pushUser: "github-ecr-push", pushUserNamed: false }], skipped: [] }, "2026-12-03T11:00:00.000Z");
    const open = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORIES: "acme/mcp-servers:github-ecr-push,acme/*" });
    const served = servedRepositories(open, db);
    expect(users(served)).toEqual(["acme/mcp-servers:github-ecr-push", "acme/billing-worker:ecr-push-payments (adopted)"]);
    expect(served[1].discovered?.rule).toBe("acme/*");
    // The same owner under a named wildcard user: the stored discovery was for another user, so rediscover first.
    recordDiscovery(db, { owner: "acme", pushUser: "ecr-push-data", pushUserNamed: true }, { repositories: [{ repository: "acme/billing-worker", owner: "acme", repo: "billing-worker", pushUser: "ecr-push-data", pushUserNamed: false }], skipped: [] }, "2026-12-03T11:00:00.000Z");
    const closed = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORIES: "acme/mcp-servers:github-ecr-push,acme/*:ecr-push-data" });
    // Whatever pushUserNamed the stored answer says, the rule decides.
    expect(users(servedRepositories(closed, db))).toEqual(["acme/mcp-servers:github-ecr-push", "acme/billing-worker:ecr-push-data"]);
    // GITHUB_REPOSITORY under a named wildcard is served with that named user, not the adopted one.
    const viaRule = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORY: "acme/mcp-servers", GITHUB_REPOSITORIES: "acme/*:ecr-push-data" });
    expect(servedRepositories(viaRule, db)[0]).toMatchObject({ repository: "acme/mcp-servers", pushUser: "ecr-push-data", pushUserNamed: true });
    expect(servedRepositories(viaRule, db)[0]).not.toHaveProperty("adopted");
  });

  it("an adoption of a repository no longer served is ignored, and comes back when it is served again", () => {
    const without = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORIES: "acme/mcp-servers" });
    removeAdoption(db, "acme/mcp-servers");
    expect(users(servedRepositories(without, db))).toEqual(["acme/mcp-servers:github-ecr-push"]);
    const again = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway" });
    expect(users(servedRepositories(again, db))).toEqual(["acme/mcp-servers:github-ecr-push", "acme/web-gateway:ecr-push-payments (adopted)"]);
  });

  it("with every push user named and no wildcard the configured list is served as is and the store is not read", () => {
    const named = parseConfig({ DECKHAND_DATA_DIR: dir, GITHUB_REPOSITORIES: "acme/mcp-servers:github-ecr-push,acme/web-gateway:ecr-push-web" });
    const closed = { prepare: () => { throw new Error("the store was read"); } } as unknown as Db;
    expect(servedRepositories(named, closed)).toBe(named.github.repositories);
  });
});
