import {
  assembleJob,
  buildHeader,
  checkoutLines,
  configureHeader,
  failedStep,
  loginHeader,
  type JobResult,
} from "./ecr-job";

export type HistoricalOutcome = "success" | "bad-token" | "no-region" | "ecr-denied" | "cancelled";

/** Outcome of the i-th of n past runs: mostly green, with the failures a real team sees (rotation gaps, a missing variable, a policy slip). */
export function outcomeAt(i: number, n: number): HistoricalOutcome {
  const f = n > 1 ? i / (n - 1) : 0;
  if (i === 0) return "no-region";
  if (i === Math.round(0.63 * (n - 1))) return "ecr-denied";
  if ((f >= 0.38 && f < 0.45) || (f >= 0.8 && f < 0.84)) return "bad-token";
  if (i % 9 === 4) return "cancelled";
  return "success";
}

/** The job of a past run, with the log lines the actions printed for that outcome. */
export function historicalJob(outcome: HistoricalOutcome, o: { repoFull: string; sha: string; region: string; accountId: string; services: string[]; seq: number }): JobResult {
  const ref = "refs/heads/main";
  const registry = `${o.accountId}.dkr.ecr.${o.region}.amazonaws.com`;
  const steps = [{ name: "Checkout" as const, conclusion: "success" as const, lines: checkoutLines(o.repoFull, o.sha) }];
  const configure = configureHeader(outcome === "no-region" ? undefined : o.region, true, true);
  if (outcome === "no-region") return assembleJob(o.repoFull, ref, o.sha, [...steps, failedStep("Configure AWS credentials", configure, "Input required and not supplied: aws-region")]);
  if (outcome === "bad-token") {
    return assembleJob(o.repoFull, ref, o.sha, [...steps, failedStep("Configure AWS credentials", configure, "The security token included in the request is invalid.")]);
  }
  const ok = [...steps, { name: "Configure AWS credentials" as const, conclusion: "success" as const, lines: configure }];
  if (outcome === "ecr-denied") {
    return assembleJob(o.repoFull, ref, o.sha, [
      ...ok,
      failedStep(
        "Login to Amazon ECR",
        loginHeader(o.region),
        `User: arn:aws:iam::${o.accountId}:user/github-ecr-push is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`,
      ),
    ]);
  }
  const loggedIn = [...ok, { name: "Login to Amazon ECR" as const, conclusion: "success" as const, lines: [...loginHeader(o.region), `Logging into registry ${registry}`, "Login Succeeded!"] }];
  const build = buildHeader(registry, o.sha);
  if (outcome === "cancelled") {
    return assembleJob(o.repoFull, ref, o.sha, [...loggedIn, { name: "Build and push images", conclusion: "cancelled", lines: [...build, "[+] Building 0.4s (3/8)", "##[error]The operation was canceled."] }]);
  }
  const lines = [...build, `[+] Building 2.${o.seq % 10}s (${o.services.length * 4}/${o.services.length * 4}) FINISHED`];
  o.services.forEach((s, k) => {
    if ((o.seq + k) % 3 === 0) lines.push(`${s} unchanged, skipping push`);
    else lines.push(`The push refers to repository [${registry}/${s}]`, `${o.sha.slice(0, 7)}: digest: sha256:${(o.sha + o.sha).slice(k, k + 64)} size: 528`, `latest: digest: sha256:${(o.sha + o.sha).slice(k, k + 64)} size: 528`);
  });
  return assembleJob(o.repoFull, ref, o.sha, [...loggedIn, { name: "Build and push images", conclusion: "success", lines }]);
}
