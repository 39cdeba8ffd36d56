import {
  assembleJob,
  buildHeader,
  checkoutLines,
  configureHeader,
  failedStep,
  loginHeader,
  type JobResult,
} from "./ecr-job";

export type HistoricalOutcome = "success" | "bad-token" | "no-region" | "push-denied" | "cancelled";

/**
 * Outcome of the i-th of n past runs, told to match the AWS half's history: the first run lacked the region
 * variable; for a few days the key-id secret held a mistyped value (fixed by re-saving the secrets); since the
 * push policy drifted (`driftAt`, the AWS seed's ecr:CompleteLayerUpload removal) every run that has a changed
 * image to push dies at CompleteLayerUpload; a few runs were cancelled by hand.
 */
export function outcomeAt(i: number, n: number, at: number, driftAt: number): HistoricalOutcome {
  const f = n > 1 ? i / (n - 1) : 0;
  if (i === 0) return "no-region";
  if (f >= 0.38 && f < 0.45) return "bad-token";
  if (at >= driftAt) return i === n - 1 || i % 2 === 0 ? "push-denied" : "success";
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
  const loggedIn = [...ok, { name: "Login to Amazon ECR" as const, conclusion: "success" as const, lines: [...loginHeader(o.region), `Logging into registry ${registry}`, "Login Succeeded!"] }];
  const build = buildHeader(registry, o.sha);
  if (outcome === "cancelled") {
    return assembleJob(o.repoFull, ref, o.sha, [...loggedIn, { name: "Build and push images", conclusion: "cancelled", lines: [...build, "[+] Building 0.4s (3/8)", "##[error]The operation was canceled."] }]);
  }
  const lines = [...build, `[+] Building 2.${o.seq % 10}s (${o.services.length * 4}/${o.services.length * 4}) FINISHED`];
  if (outcome === "push-denied") {
    const s = o.services[0] ?? "mcp-server-tcp";
    return assembleJob(o.repoFull, ref, o.sha, [
      ...loggedIn,
      {
        name: "Build and push images",
        conclusion: "failure",
        lines: [
          ...lines,
          `The push refers to repository [${registry}/${s}]`,
          `${o.sha.slice(0, 12)}: Preparing`,
          `denied: User: arn:aws:iam::${o.accountId}:user/github-ecr-push is not authorized to perform: ecr:CompleteLayerUpload on resource: arn:aws:ecr:${o.region}:${o.accountId}:repository/${s} because no identity-based policy allows the ecr:CompleteLayerUpload action`,
          "##[error]Process completed with exit code 1.",
        ],
      },
    ]);
  }
  o.services.forEach((s, k) => {
    if ((o.seq + k) % 3 === 0) lines.push(`${s} unchanged, skipping push`);
    else lines.push(`The push refers to repository [${registry}/${s}]`, `${o.sha.slice(0, 7)}: digest: sha256:${(o.sha + o.sha).slice(k, k + 64)} size: 528`, `latest: digest: sha256:${(o.sha + o.sha).slice(k, k + 64)} size: 528`);
  });
  return assembleJob(o.repoFull, ref, o.sha, [...loggedIn, { name: "Build and push images", conclusion: "success", lines }]);
}
