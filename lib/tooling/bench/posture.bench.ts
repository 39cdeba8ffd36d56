/**
 * Posture load time (all four pages' data: keys, policies, identity, 90 days of CloudTrail, secrets,
 * variables, runs, repositories) against the sandbox's large scenario, through the real SDK and Octokit.
 * Goals (issue 5): every part issued in parallel, so a cold load costs about its slowest part (CloudTrail:
 * 20,000 events are 400 sequential LookupEvents pages; real AWS allows 2 per second, so there it is slower
 * still, which is why the Activity section streams in behind its own Suspense boundary); a cached load in
 * milliseconds.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestSandbox } from "../testing/sandbox-fixture";
import { TtlCache } from "../../infra/cache/ttl-cache";
import * as posture from "../../read/posture";
import { readPosture as loadPosture, type PostureContext, type PostureParts as PostureSections } from "../../read/posture";
import { runDoctorChecks } from "../../judgements/posture/doctor-checks";
import { toSnapshot as toPostureSnapshot } from "../../read/doctor";

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

function describe(p: PostureSections): string {
  return Object.entries(p)
    .map(([k, s]) => `${k}=${s.ok ? "ok" : `FAILED(${s.failure.message})`}`)
    .join(" ");
}

export default async function benchPosture(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-posture-"));
  const [sb, seedMs] = await timed(() => startTestSandbox({ dataDir, scale: "large" }));
  console.log(`large sandbox seeded in ${(seedMs / 1000).toFixed(1)} s`);
  try {
    for (const userName of ["bench-pusher", "github-ecr-push"]) {
      const deps: PostureContext = { clients: sb.clients, cache: new TtlCache(), userName, policyName: "ecr-push-policy" };
      const [cold, coldMs] = await timed(() => loadPosture(deps));
      const events = cold.activity.ok ? cold.activity.data.events.length : 0;
      const [, warmMs] = await timed(() => loadPosture(deps));
      const [, checksMs] = await timed(async () => runDoctorChecks(toPostureSnapshot(cold, { now: new Date(), userName, region: "us-east-1" })));
      console.log(`${userName}: cold posture load ${coldMs.toFixed(0)} ms (${events} CloudTrail events), cached ${warmMs.toFixed(1)} ms, doctor checks ${checksMs.toFixed(1)} ms`);
      console.log(`  sections: ${describe(cold)}`);
      // Each part alone, cold: which one the parallel load waits for.
      const parts: Record<string, (d: PostureContext) => Promise<unknown>> = { keys: posture.readKeys, policies: posture.readPolicies, activity: posture.readActivity, secrets: posture.readSecrets, runs: posture.readRuns, repositories: posture.readRepositories };
      const alone: string[] = [];
      for (const [name, load] of Object.entries(parts)) {
        const [, ms] = await timed(() => load({ ...deps, cache: new TtlCache() }));
        alone.push(`${name} ${ms.toFixed(0)} ms`);
      }
      console.log(`  each part alone: ${alone.join(", ")}`);
    }
  } finally {
    await sb.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
