// Times, durations and sizes as Deckhand prints them, in one place. Times are absolute UTC (unambiguous
// across teams) with a relative hint; every function tolerates missing or unreadable input ("—" or "").

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

type TimeLike = string | Date | null | undefined;

function epochMs(value: TimeLike): number | null {
  if (!value) return null;
  const ms = typeof value === "string" ? Date.parse(value) : value.getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** "2026-11-25 14:03 UTC"; "—" when missing or unreadable. */
export function formatUtc(value: TimeLike): string {
  const ms = epochMs(value);
  return ms === null ? "—" : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "2026-11-25 14:03:07", for tables whose header says UTC. */
export function formatUtcSeconds(value: TimeLike): string {
  const ms = epochMs(value);
  return ms === null ? "—" : new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** "2026-11-25". */
export function formatDay(value: TimeLike): string {
  const ms = epochMs(value);
  return ms === null ? "—" : new Date(ms).toISOString().slice(0, 10);
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", "in the future"; "" when missing. */
export function formatAgo(value: TimeLike, now: Date = new Date()): string {
  const ms = epochMs(value);
  if (ms === null) return "";
  const s = Math.round((now.getTime() - ms) / 1000);
  if (s < 0) return "in the future";
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86_400);
  return d === 1 ? "1 day ago" : `${d} days ago`;
}

/** A step's or an operation's duration: "850 ms", "4.2 s", "3 min 05 s"; "—" for null. */
export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** A workflow run's or job's duration as GitHub shows it: "42s", "3m 5s", "1h 2m"; "—" for null. */
export function formatRunDuration(ms: number | null): string {
  if (ms === null) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** A push job's time so far (running jobs count up to `now`): "5 s", "3 min 5 s"; "" before it started. */
export function formatElapsed(startedAt: string | null, finishedAt: string | null, now = Date.now()): string {
  if (!startedAt) return "";
  const end = finishedAt ? Date.parse(finishedAt) : now;
  const s = Math.max(0, Math.round((end - Date.parse(startedAt)) / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** A span in words for judgements' messages: "12 min", "5 h", "3 days" (sign ignored). */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR_MS) return `${Math.round(abs / MINUTE_MS)} min`;
  if (abs < 2 * DAY_MS) return `${Math.round(abs / HOUR_MS)} h`;
  return `${Math.floor(abs / DAY_MS)} days`;
}

/** Sizes as the ECR console shows them: binary units, "512 B", "1.5 KB", "12.34 MB"; "—" when unknown. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(2)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** "sha256:0123456789ab" (the algorithm and the first `length` hex digits). */
export function shortDigest(digest: string | null | undefined, length = 12): string {
  if (!digest) return "";
  const [algo, hex] = digest.includes(":") ? digest.split(":", 2) : ["", digest];
  return algo ? `${algo}:${hex.slice(0, length)}` : hex.slice(0, length);
}
