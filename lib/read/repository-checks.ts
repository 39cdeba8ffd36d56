// The checks that decide whether one repository can push, in the mode its ECR workflow signs in with: the Doctor's
// OIDC mode when the workflow assumes a role (configure-aws-credentials with `role-to-assume` and no key input), else
// the guide's Troubleshooting checks of the key. The Overview, the Fleet table, GET /api/checks and GET /api/metrics
// all judge through this one read, so a repository that pushes with a role is never called broken for a key it no
// longer has (nor healthy for a key it no longer uses).

import type { CheckResult } from "../judgements/posture/doctor-checks";
import { runDoctorChecks } from "../judgements/posture/doctor-checks";
import type { OidcCheckResult } from "../judgements/oidc/doctor-checks";
import { judgePushReadiness, type PushReadiness } from "../judgements/posture/push-readiness";
import type { ReadContext } from "./context";
import { readDoctorSnapshot, type DoctorReadOptions, type DoctorSnapshot } from "./doctor";
import { readWorkflowSignIn, type DoctorMode } from "./oidc";
import { readOidcDoctorChecksPart } from "./oidc-doctor";

export interface RepositoryChecks extends DoctorSnapshot {
  /** `oidc`: the workflow assumes a role and `checks` are the OIDC mode's; `key`: the guide's checks of the key. */
  mode: DoctorMode;
  checks: Array<CheckResult | OidcCheckResult>;
}

/** The verdict's wording for the checks it judged ("checks of the Doctor's OIDC mode" in OIDC mode). */
export const CHECKS_LABEL: Record<DoctorMode, string | undefined> = { key: undefined, oidc: "checks of the Doctor's OIDC mode" };

/**
 * One repository's checks in its workflow's sign-in mode, over cached parts. `activityWaitMs` time-boxes the key
 * checks' CloudTrail read (those checks then say unknown). When the workflow file cannot be read, or the OIDC checks
 * themselves fail to read, the key's checks are judged (they name what could not be read). Never throws for a failed
 * AWS or GitHub call: a failed part makes its checks unknown.
 */
export async function readRepositoryChecks(ctx: ReadContext, opts: Pick<DoctorReadOptions, "activityWaitMs" | "store"> = {}): Promise<RepositoryChecks> {
  const [read, signIn] = await Promise.all([readDoctorSnapshot(ctx, opts), readWorkflowSignIn(ctx)]);
  if (signIn.ok && signIn.data.credentials.kind === "role") {
    const oidc = await readOidcDoctorChecksPart(ctx);
    if (oidc.ok) return { ...read, asOf: oidc.asOf ?? read.asOf, checks: oidc.data, mode: "oidc" };
  }
  return { ...read, checks: runDoctorChecks(read.snapshot), mode: "key" };
}

/** "Can this repository push right now?" over its checks (see judgePushReadiness). */
export function judgeRepositoryReadiness(set: Pick<RepositoryChecks, "checks" | "userMissing" | "mode"> & { snapshot: Pick<RepositoryChecks["snapshot"], "user" | "runs"> }, userName: string, repository?: string): PushReadiness {
  // The key's mode needs the push user: IAM GetUser failing leaves the answer unknown, naming the call.
  const user = set.snapshot.user;
  const userUnreadable = set.mode === "key" && !user.ok ? user.failure : null;
  return judgePushReadiness({ checks: set.checks, userMissing: set.userMissing, userName, checksLabel: CHECKS_LABEL[set.mode], userUnreadable, repositoryNotFound: repository && repositoryNotFound(set.snapshot.runs) ? repository : null });
}

/** GitHub answered 404 for the repository's workflow runs: the repository itself is not there for Deckhand's token. */
export function repositoryNotFound(runs: RepositoryChecks["snapshot"]["runs"]): boolean {
  return !runs.ok && runs.failure.service === "github" && runs.failure.kind === "not-found";
}
