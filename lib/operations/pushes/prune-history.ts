import type { Db } from "../../infra/db/open-db";

export interface PruneResult {
  jobs: number;
  logLines: number;
  deliveries: number;
  /** Whether the file was compacted (VACUUM) afterwards. */
  vacuumed: boolean;
}

/**
 * Forgets finished push jobs (with their logs and service records) and webhook deliveries older than
 * `retentionDays` (DECKHAND_RETENTION_DAYS), then gives the space back to the file system when more than a quarter
 * of the file is free pages. Queued and running jobs and pending deliveries are kept whatever their age, and so is
 * each branch's last accepted commit (the base of the forward-only check), the five most recent build-input records of
 * each repository and the last build-cache drop request. The audit log is not touched.
 *
 * VACUUM rewrites the file under an exclusive lock; other processes wait on their busy timeout, so it runs only when
 * it frees a real share of the file.
 */
export function pruneHistory(db: Db, { retentionDays, now = new Date() }: { retentionDays: number; now?: Date }): PruneResult {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const counts = db
    .transaction(() => {
      const old = `SELECT id FROM push_jobs WHERE state NOT IN ('queued', 'running') AND COALESCE(finished_at, created_at) < ?`;
      const logLines = db.prepare(`DELETE FROM push_job_logs WHERE job_id IN (${old})`).run(cutoff).changes;
      db.prepare(`DELETE FROM push_job_services WHERE job_id IN (${old})`).run(cutoff);
      db.prepare(`DELETE FROM push_job_log_stats WHERE job_id IN (${old})`).run(cutoff);
      const jobs = db.prepare(`DELETE FROM push_jobs WHERE id IN (${old})`).run(cutoff).changes;
      const deliveries = db.prepare(`DELETE FROM webhook_deliveries WHERE outcome != 'pending' AND received_at < ?`).run(cutoff).changes;
      // Build inputs of old images, except the few most recent per repository (what claims hand out), and old
      // cache-drop requests, except the last (workers compare with it).
      db.prepare(
        `DELETE FROM image_build_inputs WHERE recorded_at < ? AND (repository, image_digest) NOT IN (
           SELECT repository, image_digest FROM (SELECT repository, image_digest, ROW_NUMBER() OVER (PARTITION BY repository ORDER BY recorded_at DESC) AS n FROM image_build_inputs) WHERE n <= 5)`,
      ).run(cutoff);
      db.prepare(`DELETE FROM build_cache_drops WHERE requested_at < ? AND id != (SELECT MAX(id) FROM build_cache_drops)`).run(cutoff);
      return { jobs, logLines, deliveries };
    })
    .immediate();
  let vacuumed = false;
  const pages = db.pragma("page_count", { simple: true }) as number;
  const free = db.pragma("freelist_count", { simple: true }) as number;
  if (pages > 0 && free / pages > 0.25) {
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("VACUUM");
    vacuumed = true;
  }
  return { ...counts, vacuumed };
}

/**
 * Prunes a minute after start and then every six hours, in the app process. Failures (a busy store) are logged and
 * retried at the next tick. Returns a stop function.
 */
export function startRetentionScheduler(getDb: () => Db, retentionDays: number, log: (line: string) => void = (l) => console.log(l)): () => void {
  const tick = () => {
    try {
      const r = pruneHistory(getDb(), { retentionDays });
      if (r.jobs || r.deliveries) log(`[deckhand] retention (${retentionDays} days): removed ${r.jobs} job(s), ${r.logLines} log line(s), ${r.deliveries} delivery record(s)${r.vacuumed ? "; store compacted" : ""}`);
    } catch (err) {
      log(`[deckhand] retention: ${(err as Error).message}; retrying later`);
    }
  };
  const first = setTimeout(tick, 60_000);
  const every = setInterval(tick, 6 * 3_600_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
