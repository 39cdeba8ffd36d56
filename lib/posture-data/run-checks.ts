import { runDoctorChecks, type DoctorCheck } from "./doctor-checks";
import { loadActivity, loadKeys, loadPolicies, loadRepositories, loadRuns, loadSecrets, loadVariables, type PostureDeps } from "./load-posture";

/** Load what the checks need (in parallel, cached) and run them. */
export async function loadDoctorChecks(deps: PostureDeps, now: Date = new Date()): Promise<DoctorCheck[]> {
  const [keys, policies, activity, secrets, variables, runs, repositories] = await Promise.all([
    loadKeys(deps),
    loadPolicies(deps),
    loadActivity(deps),
    loadSecrets(deps),
    loadVariables(deps),
    loadRuns(deps),
    loadRepositories(deps),
  ]);
  return runDoctorChecks({ keys, policies, activity, secrets, variables, runs, repositories, now, region: deps.clients.aws.region });
}
