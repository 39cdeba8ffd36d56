/**
 * Push pipeline figures (lib/operations/pushes): the cost of the webhook's own checks (signature + classification) per delivery,
 * and the time from "job starts" to "decision" for an unchanged two-service commit: read compose, source dates,
 * two reproducible buildah builds, two ECR comparisons against the sandbox. The webhook route and the queue add to
 * the latter; their figures belong to the route's own benchmark. Goal (issue 7): decision within 5 s.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { defaultSandboxOptions, startSandbox } from "../../sandbox/server";
import { classifyPushEvent } from "../../judgements/push/classify-push-event";
import { detectBuilder } from "../../integrations/build/detect-builder";
import { runPushJob } from "../../operations/pushes/run-push-job";
import { signWebhookBody, verifyWebhookSignature } from "../../judgements/push/verify-webhook-signature";

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

export default async function benchPushDecision(): Promise<void> {
  benchWebhookChecks();
  await benchUnchangedDecision();
}

function benchWebhookChecks() {
  const secret = "bench-secret";
  // A realistic push payload is a few KB; pad it to 25 KB to be safe.
  const payload = {
    ref: "refs/heads/main",
    after: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    deleted: false,
    repository: { full_name: "acme/shop", default_branch: "main" },
    commits: Array.from({ length: 20 }, (_, i) => ({ id: String(i).repeat(40).slice(0, 40), message: "x".repeat(1000) })),
  };
  const body = Buffer.from(JSON.stringify(payload));
  const header = signWebhookBody(secret, body);
  const times: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const t = process.hrtime.bigint();
    const v = verifyWebhookSignature({ secret, rawBody: body, signatureHeader: header });
    if (!v.ok) throw new Error("signature did not verify");
    const d = classifyPushEvent({ event: "push", payload: JSON.parse(body.toString("utf8")), repository: "acme/shop", branch: "main" });
    if (d.action !== "enqueue") throw new Error("not enqueued");
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(
    `verify + parse + classify, ${(body.length / 1024).toFixed(0)} KB body, 5000 runs: p50 ${pct(times, 50).toFixed(3)} ms, p99 ${pct(times, 99).toFixed(3)} ms`,
  );
}

async function benchUnchangedDecision() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-push-"));
  const sandbox = await startSandbox(defaultSandboxOptions({ port: 0, dataDir: path.join(tmp, "sandbox"), keyPropagationMs: 50 }), { reset: true });
  const ecr = new ECRClient({
    endpoint: sandbox.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });
  try {
    const repo = path.join(tmp, "repo");
    fs.mkdirSync(repo);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
    git("init", "-q", "-b", "main");
    git("config", "user.email", "b@example.com");
    git("config", "user.name", "b");
    const files: Record<string, string> = {
      "compose.yaml": "services:\n  api:\n    build: ./api\n  web:\n    build: ./web\n",
      "api/Dockerfile": "FROM scratch\nCOPY . /srv/\n",
      "web/Dockerfile": "FROM scratch\nCOPY . /srv/\n",
    };
    for (let i = 0; i < 50; i++) {
      files[`api/src/file-${i}.txt`] = `api ${i}\n`.repeat(200);
      files[`web/assets/file-${i}.txt`] = `web ${i}\n`.repeat(200);
    }
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
      fs.writeFileSync(path.join(repo, f), text);
    }
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    const builder = await detectBuilder();
    let n = 0;
    // The whole job as a worker runs it: incremental fetch from a mirror, worktree, compose, builds, comparisons.
    const run = async () => {
      const sha = git("rev-parse", "HEAD");
      const started = Date.now();
      const result = await runPushJob({
        remoteUrl: `file://${repo}`,
        commit: sha,
        ecr,
        mirrorsDir: path.join(tmp, "mirrors"),
        workRoot: path.join(tmp, `job-${n++}`),
        detect: async () => builder,
      });
      return { ms: Date.now() - started, outcomes: result.services };
    };
    const first = await run();
    console.log(`first commit, two services built and pushed: ${first.ms} ms (${first.outcomes.map((o) => `${o.service} ${o.result}`).join(", ")})`);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      fs.writeFileSync(path.join(repo, "README.md"), `docs ${i}\n`);
      git("add", "-A");
      git("commit", "-q", "-m", `docs ${i}`);
      const r = await run();
      if (r.outcomes.some((o) => o.result !== "skipped")) throw new Error(`expected both skipped: ${JSON.stringify(r.outcomes)}`);
      times.push(r.ms);
    }
    const buildShare = first.outcomes.length;
    console.log(
      `unchanged two-service commit, job start to decision, 5 runs: p50 ${pct(times, 50)} ms, max ${Math.max(...times)} ms (goal: < 5000 ms including the route and queue; ${buildShare} builds each)`,
    );
  } finally {
    ecr.destroy();
    await sandbox.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
