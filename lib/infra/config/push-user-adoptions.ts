// The push users operators adopted on the Fleet page (table push_user_adoptions, migration 16): one per repository,
// written by lib/operations/fleet/adopt-push-user.ts, applied by servedRepositories() through applyAdoptions
// (lib/judgements/fleet/push-user-precedence.ts: a push user named in GITHUB_REPOSITORIES always wins).

import type { Db } from "../db/open-db";
import type { PushUserAdoption } from "../../judgements/fleet/push-user-precedence";

export type { PushUserAdoption };

interface Row {
  repository: string;
  push_user: string;
  adopted_by: string;
  adopted_at: string;
  run_id: number;
}

const toAdoption = (r: Row): PushUserAdoption => ({ repository: r.repository, pushUser: r.push_user, adoptedBy: r.adopted_by, adoptedAt: r.adopted_at, runId: Number(r.run_id) });

/** Every stored adoption, oldest first. */
export function readAdoptions(db: Db): PushUserAdoption[] {
  return (db.prepare(`SELECT repository, push_user, adopted_by, adopted_at, run_id FROM push_user_adoptions ORDER BY adopted_at, repository`).all() as Row[]).map(toAdoption);
}

/** The adoption of `repository` (owner/name, case-insensitive), null when none. */
export function readAdoption(db: Db, repository: string): PushUserAdoption | null {
  const r = db.prepare(`SELECT repository, push_user, adopted_by, adopted_at, run_id FROM push_user_adoptions WHERE repository = ?`).get(repository) as Row | undefined;
  return r ? toAdoption(r) : null;
}

/** Keep `a` as the adoption of its repository, replacing any other (returned; null when there was none). */
export function recordAdoption(db: Db, a: PushUserAdoption): PushUserAdoption | null {
  return db.transaction(() => {
    const previous = readAdoption(db, a.repository);
    db.prepare(
      `INSERT INTO push_user_adoptions (repository, push_user, adopted_by, adopted_at, run_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(repository) DO UPDATE SET repository = excluded.repository, push_user = excluded.push_user,
         adopted_by = excluded.adopted_by, adopted_at = excluded.adopted_at, run_id = excluded.run_id`,
    ).run(a.repository, a.pushUser, a.adoptedBy, a.adoptedAt, a.runId);
    return previous;
  }).immediate();
}

/** Forget the adoption of `repository` (case-insensitive); returns it, null when there was none. */
export function removeAdoption(db: Db, repository: string): PushUserAdoption | null {
  return db.transaction(() => {
    const previous = readAdoption(db, repository);
    if (previous) db.prepare(`DELETE FROM push_user_adoptions WHERE repository = ?`).run(repository);
    return previous;
  }).immediate();
}
