/**
 * The webhook route over HTTP, as GitHub would call it, against a production build of Deckhand started
 * like `npm start` (sandbox mode, embedded worker):
 *  1. acknowledgement latency (p50, p99) and errors at a sustained 200 deliveries/s for 30 s (goal: p99 < 50 ms, no errors);
 *  2. time from a git push to the sandbox to the worker's decision for a commit that changes no build
 *     context (goal: within 5 s).
 * Deliveries are signed pushes to another branch (acknowledged and recorded, nothing queued) and pings, so
 * the load measures the route, not the worker.
 */
import { execFile, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { openDb } from "../../infra/db/open-db";
import { listJobs, listServiceResults } from "../../operations/pushes/job-store";

const run = promisify(execFile);
const PORT = 3450;
const SANDBOX_PORT = 4650;
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 30);
const WARMUP_SECONDS = Number(process.env.BENCH_WEBHOOK_WARMUP_SECONDS ?? 5);
const secret = "deckhand-sandbox-webhook-secret";
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

export default async function benchWebhook(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-webhook-"));
  const base = `http://localhost:${PORT}`;
  const app = spawn(process.execPath, ["--import", "tsx", "lib/tooling/cli/start.ts"], {
    env: { ...process.env, PORT: String(PORT), SANDBOX_PORT: String(SANDBOX_PORT), DECKHAND_DATA_DIR: dataDir, DECKHAND_URL: base },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error("Deckhand did not start");
      if (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await load(base);
    await pushToDecision(dataDir);
  } finally {
    app.kill("SIGTERM");
    await new Promise((r) => app.once("exit", r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function load(base: string) {
  const body = JSON.stringify({
    ref: "refs/heads/bench",
    after: "c".repeat(40),
    deleted: false,
    repository: { full_name: "acme/mcp-servers", default_branch: "main" },
    commits: Array.from({ length: 5 }, (_, i) => ({ id: String(i).repeat(40), message: "bench commit ".repeat(20) })),
  });
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const send = () =>
    fetch(`${base}/api/webhooks/github`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
      body,
    });
  // Warm-up, not measured: the first requests load the route's code and open the store.
  const warm = performance.now();
  for (let i = 0; i < 50; i++) await (await send()).arrayBuffer();
  console.log(`warm-up: 50 sequential deliveries in ${(performance.now() - warm).toFixed(0)} ms`);
  // Then the same rate for a few seconds, reported on its own line: a freshly started Node process runs
  // the route unoptimised until V8 has compiled its hot paths, and the goal is about sustained load.
  if (WARMUP_SECONDS > 0) {
    const w = await burst(send, RATE, WARMUP_SECONDS);
    console.log(`warm-up at ${RATE}/s for ${WARMUP_SECONDS} s (not in the figures below): p50 ${pct(w.latencies, 50).toFixed(1)} ms, p99 ${pct(w.latencies, 99).toFixed(1)} ms, errors ${w.errors}`);
  }
  const { latencies, slow, errors, elapsed } = await burst(send, RATE, SECONDS);
  const total = RATE * SECONDS;
  console.log(`webhook acknowledgement: ${total} signed deliveries at ${RATE}/s for ${SECONDS} s (achieved ${(total / elapsed).toFixed(0)}/s)`);
  // When the slow answers were sent: a stall shows as a run of them at one moment.
  const stalls = slow.filter(([, ms]) => ms > 200).map(([at]) => Math.floor(at / 1000));
  if (stalls.length) console.log(`  answers over 200 ms were sent during second(s): ${[...new Set(stalls)].join(", ")} (${stalls.length} of ${total})`);
  console.log(`  latency p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; errors ${errors}  (goal: p99 < 50 ms, 0 errors)`);
}

/** Open-loop load: delivery i is due at i/rate seconds, whatever the previous answers did. */
async function burst(send: () => Promise<Response>, rate: number, seconds: number) {
  const latencies: number[] = [];
  const slow: Array<[number, number]> = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      (async () => {
        const t = performance.now();
        try {
          const res = await send();
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
        slow.push([t - started, performance.now() - t]);
      })(),
    );
  }
  await Promise.all(inflight);
  return { latencies, slow, errors, elapsed: (performance.now() - started) / 1000 };
}

async function pushToDecision(dataDir: string) {
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-clone-"));
  const git = async (...args: string[]) => (await run("git", ["-c", "user.name=Bench", "-c", "user.email=bench@example.com", ...args], { cwd: clone })).stdout.trim();
  await git("clone", "--quiet", `http://x-access-token:ghp_sandboxadmintoken@127.0.0.1:${SANDBOX_PORT}/acme/mcp-servers.git`, ".");
  const db = openDb(dataDir);
  const decided = async (sha: string, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = listJobs(db, { limit: 20 }).find((j) => j.sha === sha);
      if (job && listServiceResults(db, job.id).length >= 2) return job;
      if (job && ["failed", "cancelled"].includes(job.state)) throw new Error(`job ${job.id} ${job.state}: ${job.error}`);
      if (Date.now() > deadline) throw new Error(`no decision for ${sha}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // Warm-up: the first push settles latest for both services and fills the worker's git mirror.
  fs.writeFileSync(path.join(clone, "BENCH.md"), `warm ${Date.now()}\n`);
  await git("commit", "--quiet", "-am", "bench warm-up", "--allow-empty");
  await git("add", ".");
  await git("commit", "--quiet", "-m", "bench warm-up 2", "--allow-empty");
  await git("push", "--quiet", "origin", "HEAD:main");
  await decided(await git("rev-parse", "HEAD"));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    fs.writeFileSync(path.join(clone, "BENCH.md"), `unchanged build contexts ${i} ${Date.now()}\n`);
    await git("add", ".");
    await git("commit", "--quiet", "-m", `bench ${i}`);
    const t = performance.now();
    await git("push", "--quiet", "origin", "HEAD:main");
    const job = await decided(await git("rev-parse", "HEAD"));
    times.push(performance.now() - t);
    if (listServiceResults(db, job.id).some((s) => s.decision !== "skipped")) console.log(`  note: job ${job.id} pushed something`);
  }
  console.log(`git push → decision, unchanged two-service commit: ${times.map((t) => `${(t / 1000).toFixed(2)} s`).join(", ")}  (goal: within 5 s)`);
  db.close();
  fs.rmSync(clone, { recursive: true, force: true });
}
