import type { Db } from "../../infra/db/open-db";

/**
 * Per repository and branch, the commit Deckhand last accepted as moving it forward (the base of decideForwardMove).
 * `repository`: owner/name, or null/omitted for the default repository (stored as "", as rows from before).
 */
export function getAcceptedHead(db: Db, branch: string, repository: string | null = null): string | null {
  const row = db.prepare(`SELECT sha FROM push_branch_heads WHERE repository = ? AND branch = ?`).get(repository ?? "", branch) as { sha: string } | undefined;
  return row?.sha ?? null;
}

/** Records `sha` as the branch's accepted commit; call inside the transaction that enqueues its job. */
export function setAcceptedHead(
  db: Db,
  { branch, repository = null, sha, jobId, now = new Date() }: { branch: string; repository?: string | null; sha: string; jobId: string | null; now?: Date },
): void {
  db.prepare(
    `INSERT INTO push_branch_heads (repository, branch, sha, job_id, accepted_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (repository, branch) DO UPDATE SET sha = excluded.sha, job_id = excluded.job_id, accepted_at = excluded.accepted_at`,
  ).run(repository ?? "", branch, sha, jobId, now.toISOString());
}
