// POST /_sandbox/age and git: a commit's dates are hashed into its SHA, so the repositories are never rewritten.
// Instead each aging is logged ({ atMs, days } in `aged.json` beside the repositories, wiped with them on reset) and
// the dates git reports are presented moved back by every aging that happened after them: a commit made before an
// 8-day aging reads 8 days older, like the run, pull request and CloudTrail events around it; a commit made after it
// keeps its date. The API's since/until bounds are mapped back to git's real dates the same way.

import fs from "node:fs";
import path from "node:path";
import { DAY_MS, shiftIsoTimestamps } from "../age";

interface GitAging {
  atMs: number;
  days: number;
}

const logFile = (gitRoot: string) => path.join(gitRoot, "aged.json");

/** The agings recorded for the repositories under `gitRoot`, oldest first (none when never aged). */
function agings(gitRoot: string): GitAging[] {
  try {
    return JSON.parse(fs.readFileSync(logFile(gitRoot), "utf8")) as GitAging[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/**
 * Log an aging of `days` whole days done at `atMs` (epoch ms) for the repositories under `gitRoot`. Git keeps whole
 * seconds, so the time is taken down to its second: a commit made in the aging's own second counts as after it (one
 * made right after the aging must keep its date; one made in the same second before it is the rarer case).
 */
export function recordGitAging(gitRoot: string, days: number, atMs: number): void {
  fs.mkdirSync(gitRoot, { recursive: true });
  fs.writeFileSync(logFile(gitRoot), JSON.stringify([...agings(gitRoot), { atMs: Math.floor(atMs / 1000) * 1000, days }]));
}

/** The repositories' root for a bare repository directory (`<gitRoot>/<owner>/<name>.git`). */
export const gitRootOf = (repoDir: string) => path.dirname(path.dirname(repoDir));

/** Whole days to move a date that git recorded at `realMs` back by: the agings done after it. */
const daysAfter = (log: GitAging[], realMs: number) => log.filter((a) => a.atMs > realMs).reduce((n, a) => n + a.days, 0);

/** A date git reports (ISO-8601, any zone) as the aged world presents it, in git's own format. */
export function presentedGitDate(gitRoot: string, iso: string): string {
  const log = agings(gitRoot);
  const days = log.length ? daysAfter(log, new Date(iso).getTime()) : 0;
  return days ? shiftIsoTimestamps(iso, days) : iso;
}

/**
 * The real git date for a presented bound (ISO): for `since`, the earliest real date whose presented date is at or
 * after it; for `until`, the latest whose presented date is at or before it. Presented dates grow with real ones.
 */
export function realGitBound(gitRoot: string, presentedIso: string, kind: "since" | "until"): string {
  const log = [...agings(gitRoot)].sort((a, b) => a.atMs - b.atMs);
  if (!log.length) return presentedIso;
  const p = new Date(presentedIso).getTime();
  // Segments of real time between agings, each presented shifted back by the days of the agings after it.
  const bounds = [-Infinity, ...log.map((a) => a.atMs), Infinity];
  const segments = bounds.slice(0, -1).map((lo, i) => ({ lo, hi: bounds[i + 1], shift: daysAfter(log, lo === -Infinity ? -Infinity : lo) * DAY_MS }));
  if (kind === "since") {
    for (const s of segments) {
      const d = Math.max(s.lo, p + s.shift);
      if (d < s.hi) return new Date(d).toISOString();
    }
  } else {
    for (const s of [...segments].reverse()) {
      const d = Math.min(s.hi - 1, p + s.shift);
      if (d >= s.lo) return new Date(d).toISOString();
    }
  }
  return presentedIso;
}
