import type { Db } from "../../infra/db/open-db";

/** Per branch, the commit Deckhand last accepted as moving it forward (the base of decideForwardMove). */
export function getAcceptedHead(db: Db, branch: string): string | null {
  const row = db.prepare(`SELECT sha FROM push_branch_heads WHERE branch = ?`).get(branch) as { sha: string } | undefined;
  return row?.sha ?? null;
}

/** Records `sha` as the branch's accepted commit; call inside the transaction that enqueues its job. */
export function setAcceptedHead(db: Db, { branch, sha, jobId, now = new Date() }: { branch: string; sha: string; jobId: string | null; now?: Date }): void {
  db.prepare(
    `INSERT INTO push_branch_heads (branch, sha, job_id, accepted_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (branch) DO UPDATE SET sha = excluded.sha, job_id = excluded.job_id, accepted_at = excluded.accepted_at`,
  ).run(branch, sha, jobId, now.toISOString());
}
