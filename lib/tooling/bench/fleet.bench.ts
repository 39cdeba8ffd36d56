/**
 * The Fleet page's read (readFleet, lib/read/fleet.ts) against the sandbox's `fleet` scenario at `--scale large`:
 * 200 repositories over 5 push users (some through organization secrets), beside a baseline of 1 repository.
 *  - cold: a fresh cache (every AWS and GitHub read goes out)
 *  - warm: the median of the next five, same cache (what an auto-refresh within 30 s costs)
 * AWS and GitHub calls are counted on the sandbox's side (its request log). Goals (issue 16): 200 repositories
 * cold under 3 s, warm under 200 ms; one IAM ListAccessKeys per push user, not per repository.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestSandbox, type TestSandbox } from "../testing/sandbox-fixture";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { openDb, type Db } from "../../infra/db/open-db";
import type { ConfiguredRepository } from "../../infra/config/env";
import type { ReadContext } from "../../read/context";
import { readFleet, type FleetRowView } from "../../read/fleet";
import { fleetCopyName, fleetCopyPushUser, LARGE_FLEET_EXTRA } from "../../sandbox/github/seed";

/** Counts the sandbox's request log lines ("[sandbox] METHOD /path status ms") by service. */
class CallCounter {
  aws = 0;
  github = 0;
  /** Calls by method and path with the repository's name folded ("GET /api/v3/repos/acme/{repo}/actions/secrets"). */
  byCall = new Map<string, number>();
  private original = console.log;
  install() {
    console.log = (...args: unknown[]) => {
      const line = typeof args[0] === "string" ? args[0] : "";
      const m = /^\[sandbox\] (\w+) (\S+) /.exec(line);
      if (!m) return this.original(...args);
      const p = m[2];
      if (p.startsWith("/_sandbox")) return;
      const shape = `${m[1]} ${p.replace(/\?.*$/, "").replace(/^(\/api\/v3\/repos\/[^/]+\/)[^/]+/, "$1{repo}").replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
      this.byCall.set(shape, (this.byCall.get(shape) ?? 0) + 1);
      if (p.startsWith("/api/v3") || p.startsWith("/actions-logs") || p.startsWith("/login/oauth")) this.github++;
      else this.aws++;
    };
  }
  uninstall() {
    console.log = this.original;
  }
  take() {
    const r = { aws: this.aws, github: this.github };
    this.aws = 0;
    this.github = 0;
    this.byCall.clear();
    return r;
  }
}

const repo = (name: string, pushUser = "github-ecr-push"): ConfiguredRepository => ({ repository: `acme/${name}`, owner: "acme", repo: name, pushUser, pushUserNamed: pushUser !== "github-ecr-push" });

function context(sb: TestSandbox, db: Db, cache: TtlCache): ReadContext {
  return {
    clients: sb.clients,
    quickGitHub: sb.clients.github,
    cache,
    db,
    userName: "github-ecr-push",
    policyName: "ecr-push-policy",
    workflowName: "Build and Push to AWS ECR",
    github: { webUrl: sb.url, owner: "acme", repo: "mcp-servers", repository: "acme/mcp-servers", branch: undefined },
  };
}

/** "  github-ecr-push yes —: 20" lines: what the page shows, so a faster read can be seen to show the same. */
function describeRows(rows: FleetRowView[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const k = `${r.pushUser} ${r.answer} ${r.failingChecks.map((c) => c.id).join(",") || "—"}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].sort().map(([k, n]) => `  ${k}: ${n}`).join("\n");
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function bench(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-fleet-"));
  const counter = new CallCounter();
  let sb: TestSandbox | undefined;
  let db: Db | undefined;
  try {
    const t0 = performance.now();
    sb = await startTestSandbox({ dataDir: path.join(dataDir, "sandbox"), scenario: "fleet", scale: "large", logRequests: true });
    console.log(`large fleet sandbox seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    db = openDb(path.join(dataDir, "deckhand"));
    const all = [repo("mcp-servers"), repo("web-gateway"), repo("billing-worker"), ...Array.from({ length: LARGE_FLEET_EXTRA }, (_, i) => repo(fleetCopyName(i + 1), fleetCopyPushUser(i + 1)))];
    counter.install();
    const rows: string[] = ["repositories | cold ms | cold CPU ms (Deckhand + sandbox) | warm ms (median of 5) | cold AWS calls | cold GitHub calls | warm calls | answer"];
    const figures: Record<number, { cold: number; warm: number }> = {};
    for (const repos of [all.slice(0, 1), all]) {
      const ctx = context(sb, db, new TtlCache());
      counter.take();
      let t = performance.now();
      const from = process.hrtime.bigint() / 1000n;
      const cpu0 = process.cpuUsage();
      const cold = await readFleet(ctx, repos);
      const coldMs = performance.now() - t;
      // CPU of this process (Deckhand's read and the in-process sandbox answering it): steadier than wall time on a
      // machine other work loads.
      const cpu = process.cpuUsage(cpu0);
      const coldCpuMs = (cpu.user + cpu.system) / 1000;
      // For a --cpu-prof run: the cold read's window on the profile's clock (µs, monotonic).
      if (process.env.BENCH_PROFILE_WINDOW) console.log(`profile window ${repos.length}: ${from} ${process.hrtime.bigint() / 1000n}`);
      const top = [...counter.byCall].sort((a, b) => b[1] - a[1]).slice(0, 12);
      const coldCalls = counter.take();
      if (repos.length > 1) console.log(`cold calls at ${repos.length} by kind:\n${top.map(([k, n]) => `  ${n} ${k}`).join("\n")}`);
      const warm: number[] = [];
      let warmCalls = 0;
      for (let i = 0; i < 5; i++) {
        t = performance.now();
        await readFleet(ctx, repos);
        warm.push(performance.now() - t);
        const c = counter.take();
        warmCalls += c.aws + c.github;
      }
      figures[repos.length] = { cold: coldMs, warm: median(warm) };
      if (repos.length > 1) console.log(`cold rows at ${repos.length} by push user, answer and failing checks:\n${describeRows(cold.rows)}`);
      rows.push(
        `${repos.length} | ${coldMs.toFixed(0)} | ${coldCpuMs.toFixed(0)} | ${median(warm).toFixed(1)} | ${coldCalls.aws} | ${coldCalls.github} | ${warmCalls} | ${cold.summary.sentence}`,
      );
    }
    counter.uninstall();
    console.log(rows.join("\n"));
    const big = figures[all.length];
    console.log(`goals at ${all.length}: cold < 3000 ms (${big.cold < 3000 ? "met" : "NOT met"}), warm < 200 ms (${big.warm < 200 ? "met" : "NOT met"})`);
  } finally {
    counter.uninstall();
    db?.close();
    await sb?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
