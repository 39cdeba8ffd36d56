// The guide's workflow builds and pushes on every commit; so does Deckhand's webhook push. Their builds differ, so
// neither can ever skip and `latest` flips between the two images. Seen from what both leave behind: Deckhand's own
// push records, and the PutImage calls the push user's key made from GitHub Actions runners (CloudTrail).

import type { CloudTrailEvent } from "../posture/types";

export interface RepositoryPushers {
  repository: string;
  /** Deckhand's pushes to it in the window, and the newest (ISO 8601). */
  deckhand: { count: number; last: string };
  /** Successful PutImage calls by the workflow (the push user's key) in the window, and the newest. */
  workflow: { count: number; last: string };
}

/**
 * Repositories that both Deckhand and the repository's workflow pushed to within `windowDays` before `now`.
 * `workflowPuts` are the push user's CloudTrail events (any; only successful ecr PutImage calls count, with the
 * repository from requestParameters.repositoryName). Empty when there is one pusher.
 * Source: CloudTrail records PutImage with requestParameters.repositoryName (ECR's "Logging Amazon ECR actions with
 * AWS CloudTrail").
 */
export function detectTwoPushers(input: {
  deckhandPushes: readonly { repository: string; at: string }[];
  workflowEvents: readonly CloudTrailEvent[];
  now: Date;
  windowDays?: number;
}): RepositoryPushers[] {
  const since = input.now.getTime() - (input.windowDays ?? 14) * 86_400_000;
  const inWindow = (at: string | null | undefined) => {
    const t = at ? Date.parse(at) : NaN;
    return Number.isFinite(t) && t >= since;
  };
  const tally = (rows: { repository: string; at: string }[]) => {
    const m = new Map<string, { count: number; last: string }>();
    for (const r of rows) {
      const cur = m.get(r.repository);
      if (!cur) m.set(r.repository, { count: 1, last: r.at });
      else m.set(r.repository, { count: cur.count + 1, last: r.at > cur.last ? r.at : cur.last });
    }
    return m;
  };
  const mine = tally(input.deckhandPushes.filter((p) => inWindow(p.at)));
  const theirs = tally(
    input.workflowEvents.flatMap((e) => {
      if (e.eventName !== "PutImage" || e.errorCode || !inWindow(String(e.time ?? ""))) return [];
      const repo = repositoryOf(e);
      return repo ? [{ repository: repo, at: new Date(Date.parse(String(e.time))).toISOString() }] : [];
    }),
  );
  return [...mine.entries()]
    .filter(([repo]) => theirs.has(repo))
    .map(([repository, deckhand]) => ({ repository, deckhand, workflow: theirs.get(repository)! }))
    .sort((a, b) => a.repository.localeCompare(b.repository));
}

function repositoryOf(e: CloudTrailEvent): string | null {
  return e.repositoryName ?? null;
}
