/**
 * The Fleet page's read (readFleet, lib/read/fleet.ts) against the sandbox's `fleet` scenario at `--scale large`:
 * 200 repositories over 5 push users (some through organization secrets), beside a baseline of 1 repository.
 *  - cold: a fresh cache (every AWS and GitHub read goes out)
 *  - warm: the median of the next five, same cache (what an auto-refresh within 30 s costs)
 * The sandbox runs in its own process (lib/sandbox/main.ts, as `npm start` runs it): in production GitHub and AWS are
 * other machines, so their CPU does not count against Deckhand's read. Deckhand's CPU and the sandbox's are printed
 * apart. The former figure, with the sandbox in the bench's own process, follows labelled "in-process"
 * (BENCH_FLEET_IN_PROCESS=0 leaves it out). AWS and GitHub calls are counted on the sandbox's side (its request log);
 * AWS calls by operation on Deckhand's side (its SDK clients' middleware). Goals (issue 16): 200 repositories cold
 * under 3 s, warm under 200 ms; one IAM ListAccessKeys per push user, not per repository.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestSandbox, type TestSandbox } from "../testing/sandbox-fixture";
import { startSandboxProcess, SandboxCallCounter, type SandboxProcess } from "./sandbox-process";
import { TtlCache } from "../../infra/cache/ttl-cache";
import { openDb, type Db } from "../../infra/db/open-db";
import type { ConfiguredRepository } from "../../infra/config/env";
import type { Clients } from "../../integrations/clients";
import { createAwsClients } from "../../integrations/clients/aws-clients";
import { createGitHubClient } from "../../integrations/clients/github-client";
import type { ReadContext } from "../../read/context";
import { readFleet, type FleetRowView } from "../../read/fleet";
import { SANDBOX_AWS_ADMIN, SANDBOX_GITHUB_ADMIN_TOKEN } from "../../sandbox/constants";
import { fleetCopyName, fleetCopyPushUser, LARGE_FLEET_EXTRA } from "../../sandbox/github/seed";

const repo = (name: string, pushUser = "github-ecr-push"): ConfiguredRepository => ({ repository: `acme/${name}`, owner: "acme", repo: name, pushUser, pushUserNamed: pushUser !== "github-ecr-push" });

function context(clients: Clients, url: string, db: Db, cache: TtlCache): ReadContext {
  return {
    clients,
    quickGitHub: clients.github,
    cache,
    db,
    userName: "github-ecr-push",
    policyName: "ecr-push-policy",
    workflowName: "Build and Push to AWS ECR",
    github: { webUrl: url, owner: "acme", repo: "mcp-servers", repository: "acme/mcp-servers", branch: undefined },
  };
}

/** Deckhand's clients as sandbox mode builds them, each AWS command counted by name on the way out. */
function clientsFor(url: string, awsByCommand: Map<string, number>): Clients {
  const aws = createAwsClients({ region: "us-east-1", endpoint: url, credentials: SANDBOX_AWS_ADMIN, maxAttempts: 3 });
  for (const c of [aws.iam, aws.sts, aws.ecr, aws.cloudtrail]) {
    (c.middlewareStack as unknown as { add(m: unknown, o: { step: "initialize"; name: string }): void }).add(
      (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
        const name = (context.commandName ?? "?").replace(/Command$/, "");
        awsByCommand.set(name, (awsByCommand.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: "initialize", name: "benchCountCommands" },
    );
  }
  const github = createGitHubClient({ baseUrl: `${url}/api/v3`, token: SANDBOX_GITHUB_ADMIN_TOKEN, retries: 2, log: { warn: () => {} } });
  return { aws, github, repo: { owner: "acme", repo: "mcp-servers" } };
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

/** Where the calls are counted and the sandbox's CPU read, whichever process it runs in. */
interface Harness {
  label: string;
  clients: Clients;
  url: string;
  take(): Promise<ReturnType<SandboxCallCounter["take"]>>;
  /** The sandbox's own CPU ms so far; null when it shares the bench's process (then it is in Deckhand's figure). */
  sandboxCpuMs(): number | null;
  awsByCommand: Map<string, number>;
}

interface Figures {
  coldMs: number;
  warmMs: number;
}

async function measure(h: Harness, db: Db, all: ConfiguredRepository[], table: string[]): Promise<Record<number, Figures>> {
  const figures: Record<number, Figures> = {};
  for (const repos of [all.slice(0, 1), all]) {
    const ctx = context(h.clients, h.url, db, new TtlCache());
    await h.take();
    h.awsByCommand.clear();
    const sb0 = h.sandboxCpuMs();
    const cpu0 = process.cpuUsage();
    const from = process.hrtime.bigint() / 1000n;
    let t = performance.now();
    const cold = await readFleet(ctx, repos);
    const coldMs = performance.now() - t;
    // CPU of this process: Deckhand's read (and, in-process, the sandbox answering it). Steadier than wall time on a
    // machine other work loads.
    const cpu = process.cpuUsage(cpu0);
    const coldCpuMs = (cpu.user + cpu.system) / 1000;
    const sb1 = h.sandboxCpuMs();
    // For a --cpu-prof run: the cold read's window on the profile's clock (µs, monotonic).
    if (process.env.BENCH_PROFILE_WINDOW) console.log(`profile window ${h.label} ${repos.length}: ${from} ${process.hrtime.bigint() / 1000n}`);
    const coldCalls = await h.take();
    const awsOps = [...h.awsByCommand].sort((a, b) => b[1] - a[1]);
    if (repos.length > 1) {
      console.log(`[${h.label}] cold calls at ${repos.length} by kind (sandbox's log):\n${coldCalls.byCall.slice(0, 14).map(([k, n]) => `  ${n} ${k}`).join("\n")}`);
      console.log(`[${h.label}] cold AWS calls at ${repos.length} by operation (Deckhand's clients): ${awsOps.map(([k, n]) => `${k} ${n}`).join(", ")}`);
    }
    const warm: number[] = [];
    let warmCalls = 0;
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      await readFleet(ctx, repos);
      warm.push(performance.now() - t);
      const c = await h.take();
      warmCalls += c.aws + c.github;
    }
    figures[repos.length] = { coldMs, warmMs: median(warm) };
    if (repos.length > 1) console.log(`[${h.label}] cold rows at ${repos.length} by push user, answer and failing checks:\n${describeRows(cold.rows)}`);
    const sandboxCpu = sb0 === null || sb1 === null ? "in Deckhand's" : (sb1 - sb0).toFixed(0);
    table.push(
      `${h.label} | ${repos.length} | ${coldMs.toFixed(0)} | ${coldCpuMs.toFixed(0)} | ${sandboxCpu} | ${median(warm).toFixed(1)} | ${coldCalls.aws} | ${coldCalls.github} | ${warmCalls} | ${cold.summary.sentence}`,
    );
  }
  return figures;
}

/** The sandbox in its own process: what production looks like (GitHub and AWS elsewhere). */
async function ownProcess(dataDir: string, db: Db, all: ConfiguredRepository[], table: string[]): Promise<Record<number, Figures>> {
  let sp: SandboxProcess | undefined;
  try {
    const t0 = performance.now();
    sp = await startSandboxProcess({ dataDir: path.join(dataDir, "sandbox-process"), scenario: "fleet", scale: "large" });
    console.log(`large fleet sandbox (own process, pid ${sp.pid}) seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const awsByCommand = new Map<string, number>();
    const s = sp;
    return await measure(
      {
        label: "own process",
        clients: clientsFor(s.url, awsByCommand),
        url: s.url,
        take: async () => {
          await s.settle();
          return s.counter.take();
        },
        sandboxCpuMs: () => s.cpuMs(),
        awsByCommand,
      },
      db,
      all,
      table,
    );
  } finally {
    await sp?.close();
  }
}

/** The sandbox in the bench's process (the figure before the sandbox had its own): its CPU counts in the read's. */
async function inProcess(dataDir: string, db: Db, all: ConfiguredRepository[], table: string[]): Promise<Record<number, Figures>> {
  const counter = new SandboxCallCounter();
  const original = console.log;
  let sb: TestSandbox | undefined;
  try {
    const t0 = performance.now();
    sb = await startTestSandbox({ dataDir: path.join(dataDir, "sandbox-in-process"), scenario: "fleet", scale: "large", logRequests: true });
    console.log(`large fleet sandbox (in process) seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log = (...args: unknown[]) => {
      if (typeof args[0] === "string" && counter.count(args[0])) return;
      original(...args);
    };
    const awsByCommand = new Map<string, number>();
    return await measure(
      { label: "in-process", clients: clientsFor(sb.url, awsByCommand), url: sb.url, take: async () => counter.take(), sandboxCpuMs: () => null, awsByCommand },
      db,
      all,
      table,
    );
  } finally {
    console.log = original;
    await sb?.close();
  }
}

export default async function bench(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-fleet-"));
  let db: Db | undefined;
  try {
    db = openDb(path.join(dataDir, "deckhand"));
    const all = [repo("mcp-servers"), repo("web-gateway"), repo("billing-worker"), ...Array.from({ length: LARGE_FLEET_EXTRA }, (_, i) => repo(fleetCopyName(i + 1), fleetCopyPushUser(i + 1)))];
    const table: string[] = [
      "sandbox | repositories | cold ms | cold Deckhand CPU ms | cold sandbox CPU ms | warm ms (median of 5) | cold AWS calls | cold GitHub calls | warm calls | answer",
    ];
    const own = await ownProcess(dataDir, db, all, table);
    if (process.env.BENCH_FLEET_IN_PROCESS !== "0") await inProcess(dataDir, db, all, table);
    console.log(table.join("\n"));
    const big = own[all.length];
    console.log(
      `goals at ${all.length} (sandbox in its own process): cold < 3000 ms (${big.coldMs < 3000 ? "met" : "NOT met"}), warm < 200 ms (${big.warmMs < 200 ? "met" : "NOT met"})`,
    );
  } finally {
    db?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
