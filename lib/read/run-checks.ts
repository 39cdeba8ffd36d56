import type { CheckResult } from "../judgements/posture/doctor-checks";
import { runDoctorChecks } from "./doctor-checks";
import { loadActivity, loadKeys, loadPolicies, loadRepositories, loadRuns, loadSecrets, loadUser, loadVariables, type PostureDeps } from "./load-posture";

/** Load what the checks need (in parallel, cached) and run lib/judgements/posture's Troubleshooting checks. */
export async function loadDoctorChecks(deps: PostureDeps, now: Date = new Date()): Promise<CheckResult[]> {
  const [user, keys, policies, activity, secrets, variables, runs, repositories] = await Promise.all([
    loadUser(deps),
    loadKeys(deps),
    loadPolicies(deps),
    loadActivity(deps),
    loadSecrets(deps),
    loadVariables(deps),
    loadRuns(deps),
    loadRepositories(deps),
  ]);
  return runDoctorChecks({ user, keys, policies, activity, secrets, variables, runs, repositories, now, region: deps.clients.aws.region, userName: deps.userName });
}
