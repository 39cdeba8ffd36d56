import type { Db } from "../../infra/db/open-db";

/**
 * ECR repository owners in the store (migration 15, issue 16): which served repository's services may push into an
 * ECR repository of an account and region. Deckhand keeps this itself instead of tagging the ECR repository, since
 * the guide's push policy has neither ecr:TagResource nor ecr:ListTagsForResource.
 */

/** Which ECR repository: its 12-digit account id, region and name. */
export interface EcrRepositoryKey {
  account: string;
  region: string;
  ecrRepository: string;
}

export interface EcrOwner extends EcrRepositoryKey {
  /** The served repository (owner/name) whose services push here. */
  sourceRepository: string;
  /** "push job <id> (<service>)" for a claim by a push, the operator's login for a reassignment. */
  claimedBy: string;
  /** ISO 8601. */
  claimedAt: string;
}

interface Row {
  account: string;
  region: string;
  ecr_repository: string;
  source_repository: string;
  claimed_by: string;
  claimed_at: string;
}

const toOwner = (r: Row): EcrOwner => ({
  account: r.account,
  region: r.region,
  ecrRepository: r.ecr_repository,
  sourceRepository: r.source_repository,
  claimedBy: r.claimed_by,
  claimedAt: r.claimed_at,
});

/** The recorded owner of one ECR repository, or null. */
export function readEcrOwner(db: Db, key: EcrRepositoryKey): EcrOwner | null {
  const r = db.prepare(`SELECT * FROM ecr_repository_owners WHERE account = ? AND region = ? AND ecr_repository = ?`).get(key.account, key.region, key.ecrRepository) as Row | undefined;
  return r ? toOwner(r) : null;
}

/** Every recorded owner in an account and region, by ECR repository name. */
export function listEcrOwners(db: Db, where: { account: string; region: string }): EcrOwner[] {
  return (db.prepare(`SELECT * FROM ecr_repository_owners WHERE account = ? AND region = ? ORDER BY ecr_repository`).all(where.account, where.region) as Row[]).map(toOwner);
}

/**
 * Records `source` as the owner only when nobody owns the repository yet: one INSERT … ON CONFLICT DO NOTHING, so of
 * two jobs racing for one new ECR repository exactly one gets true. False: someone owns it (read it again).
 */
export function claimEcrOwner(db: Db, key: EcrRepositoryKey, source: string, claimedBy: string, now: Date = new Date()): boolean {
  const info = db
    .prepare(
      `INSERT INTO ecr_repository_owners (account, region, ecr_repository, source_repository, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, region, ecr_repository) DO NOTHING`,
    )
    .run(key.account, key.region, key.ecrRepository, source, claimedBy, now.toISOString());
  return info.changes === 1;
}

/** An operator's reassignment: `source` owns the repository from now on, whoever owned it. Returns the previous owner. */
export function assignEcrOwner(db: Db, key: EcrRepositoryKey, source: string, by: string, now: Date = new Date()): EcrOwner | null {
  return db
    .transaction(() => {
      const before = readEcrOwner(db, key);
      db.prepare(
        `INSERT INTO ecr_repository_owners (account, region, ecr_repository, source_repository, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (account, region, ecr_repository) DO UPDATE SET source_repository = excluded.source_repository, claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at`,
      ).run(key.account, key.region, key.ecrRepository, source, by, now.toISOString());
      return before;
    })
    .immediate();
}

/** An operator's release: nobody owns the repository (the next push decides, see decideEcrOwner). Returns the previous owner. */
export function releaseEcrOwner(db: Db, key: EcrRepositoryKey): EcrOwner | null {
  return db
    .transaction(() => {
      const before = readEcrOwner(db, key);
      db.prepare(`DELETE FROM ecr_repository_owners WHERE account = ? AND region = ? AND ecr_repository = ?`).run(key.account, key.region, key.ecrRepository);
      return before;
    })
    .immediate();
}

/** Who a push job's claim is recorded as (`claimed_by`): the job and its service. */
export const jobClaimant = (jobId: string, service: string) => `push job ${jobId} (${service})`;

/**
 * A push job's service ended without reaching ECR (failed before any upload, or not built): the ownership its claim
 * made is dropped, so a broken or hostile build cannot hold a new ECR repository name it never pushed to. Only rows
 * this job's claim wrote (`claimed_by`), not an operator's assignment nor an earlier job's claim. The caller holds the
 * transaction. Returns the rows dropped.
 */
export function dropUnusedJobClaim(db: Db, jobId: string, service: string): EcrOwner[] {
  const rows = db.prepare(`SELECT * FROM ecr_repository_owners WHERE claimed_by = ?`).all(jobClaimant(jobId, service)) as Row[];
  if (rows.length) db.prepare(`DELETE FROM ecr_repository_owners WHERE claimed_by = ?`).run(jobClaimant(jobId, service));
  return rows.map(toOwner);
}
