import type { Db } from "../../infra/db/open-db";

/**
 * What the store keeps for warm builds (issue 15): the build inputs behind each image Deckhand pushed (or found
 * equal to `latest`), and operators' requests to drop the workers' build caches.
 */

/** One image's build inputs: `inputsDigest` built `imageDigest` (a manifest digest) in `repository`. */
export interface ImageInputs {
  repository: string;
  imageDigest: string;
  inputsDigest: string;
}

export function recordImageInputs(db: Db, r: ImageInputs & { jobId: string }, now = new Date()): void {
  db.prepare(
    `INSERT INTO image_build_inputs (repository, image_digest, inputs_digest, job_id, recorded_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (repository, image_digest) DO UPDATE SET inputs_digest = excluded.inputs_digest, job_id = excluded.job_id, recorded_at = excluded.recorded_at`,
  ).run(r.repository, r.imageDigest, r.inputsDigest, r.jobId, now.toISOString());
}

/**
 * The most recent records of every repository (at most `perRepository` each), handed to a worker with its claim: the
 * image `latest` points to is almost always among them. One not among them is built, never guessed.
 */
export function recentImageInputs(db: Db, perRepository = 5): ImageInputs[] {
  const rows = db
    .prepare(
      `SELECT repository, image_digest, inputs_digest FROM (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY repository ORDER BY recorded_at DESC) AS n FROM image_build_inputs
       ) WHERE n <= ? ORDER BY repository, recorded_at DESC LIMIT 2000`,
    )
    .all(perRepository) as Array<{ repository: string; image_digest: string; inputs_digest: string }>;
  return rows.map((r) => ({ repository: r.repository, imageDigest: r.image_digest, inputsDigest: r.inputs_digest }));
}

/** An operator asked every worker to drop its build cache; each does so once, at its next claim. */
export function requestBuildCacheDrop(db: Db, requestedBy: string, now = new Date()): { requestedAt: string } {
  const requestedAt = now.toISOString();
  db.prepare(`INSERT INTO build_cache_drops (requested_by, requested_at) VALUES (?, ?)`).run(requestedBy, requestedAt);
  return { requestedAt };
}

export function lastBuildCacheDrop(db: Db): { requestedAt: string; requestedBy: string } | null {
  const r = db.prepare(`SELECT requested_at, requested_by FROM build_cache_drops ORDER BY id DESC LIMIT 1`).get() as
    | { requested_at: string; requested_by: string }
    | undefined;
  return r ? { requestedAt: r.requested_at, requestedBy: r.requested_by } : null;
}

/** A queued job pulls every base image again when it runs ("rebuild with fresh base images"). */
export function askFreshBases(db: Db, jobId: string): void {
  db.prepare(`UPDATE push_jobs SET fresh_bases = 1 WHERE id = ? AND state = 'queued'`).run(jobId);
}
