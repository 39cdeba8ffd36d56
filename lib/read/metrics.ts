// GET /api/metrics: the posture as Prometheus gauges (key ages, check status, drift counts, push verdict), over the
// same cached parts as the pages: key ages and drift per push user (`user` label), checks and the push verdict per
// configured repository (`repository` label).

import type { ConfiguredRepository } from "../infra/config/env";
import { mapLimit } from "../infra/map-limit";
import { judgeAccessKeys } from "../judgements/posture/key-verdicts";
import { renderPostureMetrics, type RepositoryMetrics, type UserMetrics } from "../judgements/posture/metrics";
import { getThresholds } from "../operations/settings/thresholds";
import { forRepository, type ReadContext } from "./context";
import { FLEET_CONCURRENCY } from "./fleet";
import { buildPolicyView } from "./policy";
import { readPosture } from "./posture";
import { keyChangeUnderway } from "./rotation";
import { judgeRepositoryReadiness, readRepositoryChecks } from "./repository-checks";

export { METRICS_CONTENT_TYPE } from "../judgements/posture/metrics";

/**
 * The metrics text (Prometheus exposition format 0.0.4); a part that failed leaves its gauges out. `repositories`:
 * every configured one (labelled); omitted, the context's repository alone, unlabelled.
 */
export async function readMetricsText(ctx: ReadContext, repositories?: readonly ConfiguredRepository[]): Promise<string> {
  const now = ctx.now?.() ?? new Date();
  const region = ctx.clients.aws.region;
  const rotationInProgress = keyChangeUnderway(ctx);
  const thresholds = getThresholds(ctx.db);
  const targets = repositories ?? [{ repository: ctx.github.repository, owner: ctx.github.owner, repo: ctx.github.repo, pushUser: ctx.userName, pushUserNamed: false }];
  const users = new Map<string, UserMetrics>();
  const repos = await mapLimit(targets, FLEET_CONCURRENCY, async (r): Promise<RepositoryMetrics> => {
    const rctx = forRepository(ctx, r);
    // The posture parts are cached per user and per repository: repositories sharing a user share its IAM reads.
    const [p, set] = await Promise.all([readPosture(rctx), readRepositoryChecks(rctx)]);
    if (!users.has(r.pushUser)) {
      users.set(r.pushUser, {
        user: repositories ? r.pushUser : undefined,
        keys: p.keys.ok ? judgeAccessKeys({ keys: p.keys.data, now, thresholds, rotationInProgress }).keys : null,
        drift: p.policies.ok
          ? buildPolicyView({ policies: p.policies.data, expected: p.expected, activity: p.activity, keys: p.keys, now, identity: p.identity, repositories: p.repositories, region, policyName: ctx.policyName }).drift
          : null,
      });
    }
    // The checks of the workflow's sign-in mode (the OIDC mode's for a workflow that assumes a role), as the pages judge.
    return { repository: repositories ? r.repository : undefined, checks: set.checks, ready: repositories ? judgeRepositoryReadiness(set, r.pushUser, r.repository).answer : undefined };
  });
  return renderPostureMetrics({ users: [...users.values()], repositories: repos });
}
