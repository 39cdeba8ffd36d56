// "The repositories Deckhand serves": those GITHUB_REPOSITORIES names, and those found under its owner wildcards
// (owner/*) by the last discovery (lib/operations/fleet/refresh-discoveries.ts), kept in the store so the app, its
// webhook fast path and the worker agree and a restart serves the last list at once. Every place that asks "is this a
// repository of ours?" (the repository selector, the chosen-repository cookie, pages' ?repo=, actions, the webhook,
// the Fleet page, GET /api/checks and /api/metrics) asks servedRepositories(), never config.github.repositories.
// Each one's push user: the one GITHUB_REPOSITORIES names, else the one an operator adopted on the Fleet page
// (lib/infra/config/push-user-adoptions.ts), else DECKHAND_IAM_USER (lib/judgements/fleet/push-user-precedence.ts).

import type { Db } from "../db/open-db";
import { getDb } from "../db";
import { getConfig, type ConfiguredRepository, type DeckhandConfig, type DiscoveryRule } from "./env";
import { applyAdoptions, type AdoptedPushUser } from "../../judgements/fleet/push-user-precedence";
import { readAdoptions } from "./push-user-adoptions";

/**
 * A served repository; `discovered` when it is served because an owner wildcard found it (not named); `adopted` when
 * its `pushUser` is one an operator adopted on the Fleet page (its push user not named in GITHUB_REPOSITORIES).
 */
export interface ServedRepository extends ConfiguredRepository {
  discovered?: { rule: string; at: string };
  adopted?: AdoptedPushUser;
}

/** The last discovery under one owner wildcard. */
export interface DiscoveryState {
  /** "acme/*" */
  rule: string;
  owner: string;
  pushUser: string;
  /** What the last successful discovery found (kept when a later one fails). */
  repositories: ConfiguredRepository[];
  /** `unread`: a read failed, so whether it uses the key is not known (see DiscoveredRepositories.skipped). */
  skipped: Array<{ repository: string; reason: string; unread?: true }>;
  /** ISO 8601; null: never discovered yet. */
  discoveredAt: string | null;
  /** The last attempt's failure, when it failed (cleared by the next success). */
  failedAt: string | null;
  failure: string | null;
}

interface Row {
  owner: string;
  push_user: string;
  repositories: string;
  skipped: string;
  discovered_at: string | null;
  failed_at: string | null;
  failure: string | null;
}

function parseList<T>(json: string): T[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

/**
 * Each configured owner wildcard's last discovery, in GITHUB_REPOSITORIES' order. A stored answer for the same owner
 * under another push user (the setting changed since) counts as none: it was about another key.
 */
export function readDiscoveries(db: Db, rules: readonly DiscoveryRule[]): DiscoveryState[] {
  if (rules.length === 0) return [];
  const rows = db.prepare(`SELECT owner, push_user, repositories, skipped, discovered_at, failed_at, failure FROM repository_discoveries`).all() as Row[];
  return rules.map((rule) => {
    const row = rows.find((r) => r.owner.toLowerCase() === rule.owner.toLowerCase() && r.push_user === rule.pushUser);
    const base = { rule: `${rule.owner}/*`, owner: rule.owner, pushUser: rule.pushUser };
    if (!row) return { ...base, repositories: [], skipped: [], discoveredAt: null, failedAt: null, failure: null };
    return {
      ...base,
      // Stored by this module from discoverRepositories' answer; the push user is the rule's, whatever was stored.
      repositories: parseList<ConfiguredRepository>(row.repositories)
        .filter((r) => typeof r?.repository === "string" && r.owner?.toLowerCase() === rule.owner.toLowerCase())
        .map((r) => ({ repository: r.repository, owner: r.owner, repo: r.repo, pushUser: rule.pushUser, pushUserNamed: rule.pushUserNamed })),
      skipped: parseList<{ repository: string; reason: string; unread?: true }>(row.skipped),
      discoveredAt: row.discovered_at,
      failedAt: row.failed_at,
      failure: row.failure,
    };
  });
}

/** Keep what a discovery under `rule` found (replacing the previous answer), at `at` (ISO 8601). */
export function recordDiscovery(db: Db, rule: DiscoveryRule, found: { repositories: ConfiguredRepository[]; skipped: Array<{ repository: string; reason: string }> }, at: string): void {
  db.prepare(
    `INSERT INTO repository_discoveries (owner, push_user, repositories, skipped, discovered_at, failed_at, failure) VALUES (?, ?, ?, ?, ?, NULL, NULL)
     ON CONFLICT(owner) DO UPDATE SET push_user = excluded.push_user, repositories = excluded.repositories, skipped = excluded.skipped,
       discovered_at = excluded.discovered_at, failed_at = NULL, failure = NULL`,
  ).run(rule.owner, rule.pushUser, JSON.stringify(found.repositories), JSON.stringify(found.skipped), at);
}

/**
 * A discovery under `rule` failed (`message`: user-facing words): said beside the list found before, which is kept
 * (a GitHub outage must not make Deckhand stop serving repositories). A row of another push user is emptied.
 */
export function recordDiscoveryFailure(db: Db, rule: DiscoveryRule, message: string, at: string): void {
  db.prepare(
    `INSERT INTO repository_discoveries (owner, push_user, failed_at, failure) VALUES (?, ?, ?, ?)
     ON CONFLICT(owner) DO UPDATE SET
       repositories = CASE WHEN push_user = excluded.push_user THEN repositories ELSE '[]' END,
       skipped = CASE WHEN push_user = excluded.push_user THEN skipped ELSE '[]' END,
       discovered_at = CASE WHEN push_user = excluded.push_user THEN discovered_at ELSE NULL END,
       push_user = excluded.push_user, failed_at = excluded.failed_at, failure = excluded.failure`,
  ).run(rule.owner, rule.pushUser, at, message);
}

/**
 * The repositories Deckhand serves: the named ones (config.github.repositories, the default first), then those its
 * owner wildcards' last discoveries found, in discovery order, a repository named and discovered listed once as named;
 * each whose push user the configuration does not name with the push user an operator adopted for it, if any
 * (applyAdoptions: named beats adopted beats DECKHAND_IAM_USER). Without owner wildcards and with every push user
 * named this is config.github.repositories and the store is not read. `db`: the app's store when omitted. Never
 * throws for an unreadable stored answer (it counts as none).
 */
export function servedRepositories(config: Pick<DeckhandConfig, "github"> = getConfig(), db?: Db): ServedRepository[] {
  const named = config.github.repositories;
  const rules = config.github.discover ?? [];
  const adoptable = named.some((r) => !r.pushUserNamed) || rules.some((r) => !r.pushUserNamed);
  if (rules.length === 0 && !adoptable) return named;
  const store = db ?? getDb();
  const out: ServedRepository[] = [...named];
  const seen = new Set(named.map((r) => r.repository.toLowerCase()));
  for (const d of readDiscoveries(store, rules)) {
    for (const r of d.repositories) {
      if (seen.has(r.repository.toLowerCase())) continue;
      seen.add(r.repository.toLowerCase());
      out.push({ ...r, discovered: { rule: d.rule, at: d.discoveredAt ?? "" } });
    }
  }
  return adoptable ? applyAdoptions(out, readAdoptions(store)) : out;
}

/** Every owner wildcard's last discovery (readDiscoveries) from the app's configuration and store. */
export function discoveriesOf(config: Pick<DeckhandConfig, "github"> = getConfig(), db?: Db): DiscoveryState[] {
  const rules = config.github.discover ?? [];
  return rules.length === 0 ? [] : readDiscoveries(db ?? getDb(), rules);
}

/**
 * The repositories of `served` other than `repository` whose push user is `pushUser`: those a change to that user's
 * key reaches too. Names compared case-insensitively (GitHub's and IAM's rule).
 */
export function otherRepositoriesOfPushUser<R extends ConfiguredRepository>(served: readonly R[], repository: string, pushUser: string): R[] {
  const self = repository.toLowerCase();
  const user = pushUser.toLowerCase();
  return served.filter((r) => r.pushUser.toLowerCase() === user && r.repository.toLowerCase() !== self);
}
