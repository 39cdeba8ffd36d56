// A rotation of push user B writes only what B's repositories read: several push users share one Deckhand (issue 16),
// so before any change the preflight refuses a plan whose secrets another user's repository reads — another user's
// rotation underway on the same holder, or an organization secret that also reaches a repository configured with
// another push user (which would then hold B's key) — and never writes a discovered (owner/*) repository's own secrets.
// Nothing is written when it refuses.

import type { GitHubRepoRef } from "../../integrations/clients/github-client";
import type { ConfiguredRepository } from "../../infra/config/env";
import { listRepoSecrets } from "../../integrations/github/secrets";
import { listRepoOrganizationSecrets } from "../../integrations/github/scoped-secrets";
import { ACCESS_KEY_ID_SECRET } from "../../integrations/github/write-secret";
import { mapLimit } from "../../infra/map-limit";
import type { Db } from "../../infra/db/open-db";
import { holderRepo, listReposUsingOrgSecret, repositoryName, type PlannedHolder } from "./holders";
import type { ServedRepository } from "../../infra/config/served-repositories";
import { activeRotations, listSteps } from "./store";
import type { GitHubClient } from "../../integrations/clients/github-client";

/** A plan another push user's repository reads: the preflight's refusal, as written. */
export class UserBoundaryError extends Error {}

/** The same secret pair, whoever recorded it: an organization's once, a repository's or environment's per repository. */
export function holderKey(h: PlannedHolder, fallback: string): string {
  if (h.scope === "organization") return `organization:${h.org.toLowerCase()}`;
  const repository = (h.repository ?? fallback).toLowerCase();
  return h.scope === "environment" ? `environment:${repository}:${h.environment}` : `repository:${repository}`;
}

/** How many repositories are asked at once whether an organization secret reaches them. */
const REACH_CONCURRENCY = 4;

/**
 * Throws UserBoundaryError (the preflight turns it into its refusal) naming the first conflict:
 *  - a running or stopped rotation of another push user recorded one of `holders` (its step 1 plan);
 *  - an organization holder whose AWS_ACCESS_KEY_ID reaches a configured repository of another push user (GitHub
 *    lists it among the repository's organization secrets) that has no repository secret of its own shadowing it.
 * `repos` are the repositories this rotation writes for (they are not "another user's"). GitHub calls: per
 * organization holder, the selected repositories (visibility `selected`), then per candidate repository its
 * organization and repository secrets. Failing calls throw (the preflight names them).
 */
export async function checkUserBoundaries(input: {
  db: Db;
  github: GitHubClient;
  userName: string;
  rotationId?: number;
  repos: GitHubRepoRef[];
  holders: PlannedHolder[];
  configured: readonly ConfiguredRepository[];
}): Promise<void> {
  const { db, github, userName, holders, configured } = input;
  const defaultRepository = configured[0]?.repository ?? "";
  const self = repositoryName(input.repos[0] ?? { owner: "", repo: "" });
  const mine = new Map(holders.map((h) => [holderKey(h, self), h]));
  for (const other of activeRotations(db)) {
    if (other.id === input.rotationId || other.userName === userName) continue;
    const plan = listSteps(db, other.id).filter((s) => s.step === 1 && s.outcome === "succeeded").at(-1);
    const theirs = Array.isArray(plan?.detail?.holders) ? (plan.detail.holders as PlannedHolder[]) : [];
    const shared = theirs.find((h) => mine.has(holderKey(h, other.repository ?? defaultRepository)));
    if (shared) {
      throw new UserBoundaryError(
        `rotation #${other.id} of ${other.userName} (${other.state}) writes the same secrets (${holderKey(shared, other.repository ?? defaultRepository)}); two push users cannot share one holder. Finish that rotation first, and give each user's repositories their own secrets`,
      );
    }
  }
  const ours = new Set(input.repos.map((r) => repositoryName(r).toLowerCase()));
  for (const h of holders) {
    if (h.scope !== "organization") continue;
    let candidates = configured.filter((c) => c.pushUser !== userName && c.owner.toLowerCase() === h.org.toLowerCase() && !ours.has(c.repository.toLowerCase()));
    if (candidates.length === 0) continue;
    if (h.visibility === "selected") {
      const selected = new Set((await listReposUsingOrgSecret({ github, org: h.org })).map((r) => repositoryName(r).toLowerCase()));
      candidates = candidates.filter((c) => selected.has(c.repository.toLowerCase()));
    }
    const reached = await mapLimit(candidates, REACH_CONCURRENCY, async (c) => {
      const repo = { owner: c.owner, repo: c.repo };
      const fromOrg = (await listRepoOrganizationSecrets({ github, repo })).some((s) => s.name === ACCESS_KEY_ID_SECRET);
      if (!fromOrg) return null;
      const own = (await listRepoSecrets({ github, repo })).some((s) => s.name === ACCESS_KEY_ID_SECRET);
      return own ? null : c;
    });
    const hit = reached.find((c) => c !== null);
    if (hit) {
      throw new UserBoundaryError(
        `the organization ${h.org}'s AWS_ACCESS_KEY_ID also reaches ${hit.repository}, whose push user is ${hit.pushUser}: writing ${userName}'s key there would hand it to ${hit.repository}. Give ${hit.repository} its own repository secrets, or narrow the organization secret's selected repositories, then rotate`,
      );
    }
  }
}

/**
 * The discovered (owner/*), not named, repositories among the planned holders' own secrets (repository or
 * environment scope): a rotation never writes those. Organization secrets are the organization's, written once.
 * Pure; `served` as servedRepositories() returns it.
 */
export function ownSecretsOfDiscovered(holders: readonly PlannedHolder[], primary: GitHubRepoRef, served: readonly ServedRepository[]): Array<{ repository: string; rule: string }> {
  const out: Array<{ repository: string; rule: string }> = [];
  for (const h of holders) {
    if (h.scope === "organization") continue;
    const name = repositoryName(holderRepo(h, primary)).toLowerCase();
    const found = served.find((r) => r.repository.toLowerCase() === name);
    if (found?.discovered && !out.some((o) => o.repository === found.repository)) out.push({ repository: found.repository, rule: found.discovered.rule });
  }
  return out;
}
