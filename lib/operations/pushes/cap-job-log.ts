import type { Db } from "../../infra/db/open-db";

/**
 * A job's log is capped: its first `headBytes` are kept as they came, then only the last `tailBytes`. Between
 * them one line says how much was cut. A build printing without end therefore costs the store at most
 * head + tail (plus one marker) per job, and the lines that explain a failure, the first and the last, stay.
 */
export interface JobLogLimits {
  headBytes: number;
  tailBytes: number;
}

export const JOB_LOG_LIMITS: JobLogLimits = { headBytes: 256 * 1024, tailBytes: 768 * 1024 };

/** Longest line kept, in characters; longer ones are cut (the rest would be one endless line). */
export const MAX_LOG_LINE = 8192;

/** What a row costs beyond its text (ids, timestamps, index entry), so that many empty lines count too. */
const ROW_OVERHEAD = 64;

interface LogStats {
  job_id: string;
  head_bytes: number;
  head_end_id: number | null;
  tail_bytes: number;
  marker_id: number | null;
  cut_lines: number;
  cut_bytes: number;
}

/**
 * Appends lines to a job's log under the cap, in one IMMEDIATE transaction (workers and the app share the store).
 * Lines longer than MAX_LOG_LINE are cut to it. Returns how many lines the log has dropped so far.
 */
export function appendCappedJobLog(
  db: Db,
  opts: { jobId: string; attempt: number; lines: Array<{ stream: string; line: string; at?: string }> },
  limits: JobLogLimits = JOB_LOG_LIMITS,
): { cutLines: number } {
  return db
    .transaction(() => {
      const stats: LogStats = (db.prepare(`SELECT * FROM push_job_log_stats WHERE job_id = ?`).get(opts.jobId) as LogStats | undefined) ?? {
        job_id: opts.jobId,
        head_bytes: 0,
        head_end_id: null,
        tail_bytes: 0,
        marker_id: null,
        cut_lines: 0,
        cut_bytes: 0,
      };
      const insert = db.prepare(`INSERT INTO push_job_logs (job_id, attempt, at, stream, line) VALUES (?, ?, ?, ?, ?)`);
      for (const l of opts.lines) {
        const line = l.line.length > MAX_LOG_LINE ? l.line.slice(0, MAX_LOG_LINE) : l.line;
        const size = Buffer.byteLength(line) + ROW_OVERHEAD;
        const id = Number(insert.run(opts.jobId, opts.attempt, l.at ?? new Date().toISOString(), l.stream, line).lastInsertRowid);
        if (stats.head_end_id === null) {
          stats.head_bytes += size;
          if (stats.head_bytes >= limits.headBytes) stats.head_end_id = id;
        } else {
          stats.tail_bytes += size;
        }
      }
      if (stats.head_end_id !== null && stats.tail_bytes > limits.tailBytes) trimTail(db, stats, limits);
      db.prepare(
        `INSERT INTO push_job_log_stats (job_id, head_bytes, head_end_id, tail_bytes, marker_id, cut_lines, cut_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET head_bytes = excluded.head_bytes, head_end_id = excluded.head_end_id, tail_bytes = excluded.tail_bytes,
           marker_id = excluded.marker_id, cut_lines = excluded.cut_lines, cut_bytes = excluded.cut_bytes`,
      ).run(stats.job_id, stats.head_bytes, stats.head_end_id, stats.tail_bytes, stats.marker_id, stats.cut_lines, stats.cut_bytes);
      return { cutLines: stats.cut_lines };
    })
    .immediate();
}

/**
 * Drops the oldest tail lines until the tail fits. The first tail row becomes the marker (it keeps its id, so it
 * sorts between the head and what follows); later trims delete the rows after it and update its text.
 */
function trimTail(db: Db, stats: LogStats, limits: JobLogLimits): void {
  const rows = db.prepare(
    `SELECT id, length(CAST(line AS BLOB)) AS n FROM push_job_logs WHERE job_id = ? AND id > ? ORDER BY id LIMIT 2000`,
  );
  let after = stats.marker_id ?? (stats.head_end_id as number);
  let lastCut: number | null = null;
  while (stats.tail_bytes > limits.tailBytes) {
    const batch = rows.all(stats.job_id, after) as Array<{ id: number; n: number }>;
    if (batch.length === 0) break;
    for (const r of batch) {
      if (stats.tail_bytes <= limits.tailBytes) break;
      const size = r.n + ROW_OVERHEAD;
      stats.tail_bytes -= size;
      stats.cut_lines += 1;
      stats.cut_bytes += size - ROW_OVERHEAD;
      if (stats.marker_id === null) stats.marker_id = r.id;
      else lastCut = r.id;
      after = r.id;
    }
  }
  if (lastCut !== null) db.prepare(`DELETE FROM push_job_logs WHERE job_id = ? AND id > ? AND id <= ?`).run(stats.job_id, stats.marker_id, lastCut);
  if (stats.marker_id !== null) {
    db.prepare(`UPDATE push_job_logs SET stream = 'stderr', line = ? WHERE id = ?`).run(markerText(stats, limits), stats.marker_id);
  }
}

export function markerText(stats: { cut_lines: number; cut_bytes: number }, limits: JobLogLimits): string {
  return (
    `[deckhand] … ${stats.cut_lines.toLocaleString("en-US")} lines (${formatBytes(stats.cut_bytes)}) of output cut here: ` +
    `a job's log keeps its first ${formatBytes(limits.headBytes)} and its last ${formatBytes(limits.tailBytes)} …`
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
