/**
 * Page render times of Overview, Registry and Workflows against the sandbox's large scenario (200
 * repositories, 100,000 images, 2,000+ runs, 20,000 CloudTrail events), over HTTP, with the app built
 * for production (`next start`) and a session cookie from the sandbox's real OAuth flow.
 *  - cold: the first request after a fresh server start (empty caches)
 *  - warm: the median of the next five
 * AWS and GitHub calls are counted on the sandbox's side (its request log) per request. The same run
 * times the AWS CLI (/usr/bin/aws) on the guide's verification commands against the same sandbox.
 * Goals (issue 8): warm under 200 ms; cold Overview under 2 s.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestSandbox, type TestSandbox } from "../testing/sandbox-fixture";
import { buildIsCurrent, stampBuild } from "../cli/build-fingerprint";
import { SANDBOX_AWS_ADMIN } from "../../sandbox/constants";
import { freePort } from "./sandbox-process";

const root = process.cwd();
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");


/** Counts the sandbox's request log lines ("[sandbox] METHOD /path status ms") by service. */
class CallCounter {
  aws = 0;
  github = 0;
  private original = console.log;
  install() {
    console.log = (...args: unknown[]) => {
      const line = typeof args[0] === "string" ? args[0] : "";
      const m = /^\[sandbox\] (\w+) (\S+) /.exec(line);
      if (!m) return this.original(...args);
      const p = m[2];
      if (p.startsWith("/_sandbox")) return;
      if (p.startsWith("/api/v3") || p.startsWith("/actions-logs") || p.startsWith("/login/oauth")) this.github++;
      else this.aws++;
    };
  }
  uninstall() {
    console.log = this.original;
  }
  take(): { aws: number; github: number } {
    const r = { aws: this.aws, github: this.github };
    this.aws = 0;
    this.github = 0;
    return r;
  }
}

interface App {
  url: string;
  stop(): Promise<void>;
}

async function startApp(sandboxPort: number, dataDir: string, secret: string): Promise<App> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DECKHAND_MODE: "sandbox",
      SANDBOX_PORT: String(sandboxPort),
      DECKHAND_DATA_DIR: dataDir,
      DECKHAND_URL: url,
      NEXTAUTH_URL: url,
      NEXTAUTH_SECRET: secret,
      DECKHAND_EMBEDDED_WORKER: "0",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until || child.exitCode !== null) throw new Error("the app did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Cookie jar over fetch with manual redirects: the OAuth dance as a browser does it. */
class Jar {
  cookies = new Map<string, string>();
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  store(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }
  async fetch(url: string, init: RequestInit = {}) {
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie: this.header() } });
    this.store(res);
    return res;
  }
}

async function signIn(appUrl: string, sandboxUrl: string, login: string): Promise<Jar> {
  const jar = new Jar();
  const { csrfToken } = (await (await jar.fetch(`${appUrl}/api/auth/csrf`)).json()) as { csrfToken: string };
  const start = await jar.fetch(`${appUrl}/api/auth/signin/github`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${appUrl}/`, json: "true" }),
  });
  const authorize = new URL(start.headers.get("location") ?? ((await start.json()) as { url: string }).url);
  const form = new URLSearchParams({
    client_id: authorize.searchParams.get("client_id") ?? "",
    redirect_uri: authorize.searchParams.get("redirect_uri") ?? "",
    state: authorize.searchParams.get("state") ?? "",
    scope: authorize.searchParams.get("scope") ?? "",
    login,
  });
  const approved = await fetch(`${sandboxUrl}/login/oauth/authorize`, { method: "POST", body: form, redirect: "manual" });
  const callback = approved.headers.get("location");
  if (!callback) throw new Error(`sandbox authorize answered ${approved.status}`);
  const done = await jar.fetch(callback);
  if (done.status >= 400 || ![...jar.cookies.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in failed (${done.status})`);
  return jar;
}

async function timeGet(jar: Jar, url: string): Promise<{ ms: number; firstByteMs: number; status: number; bytes: number; body: string }> {
  const t0 = performance.now();
  const res = await jar.fetch(url);
  // First chunk: the page shell with its Suspense fallbacks, what the user sees first.
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let firstByteMs = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!firstByteMs) firstByteMs = performance.now() - t0;
    chunks.push(value);
  }
  const body = Buffer.concat(chunks).toString("utf8"); // the whole streamed document, every section included
  return { ms: performance.now() - t0, firstByteMs, status: res.status, bytes: body.length, body };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a command without blocking this process: the sandbox serves from this same event loop. */
function runCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", (err) => resolve({ status: null, stderr: err.message }));
    child.on("exit", (status) => resolve({ status, stderr }));
  });
}

async function timeAwsCli(sandboxUrl: string): Promise<{ ms: number; ok: boolean }> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: SANDBOX_AWS_ADMIN.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SANDBOX_AWS_ADMIN.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_PAGER: "",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
  // The guide's Step 5 verification commands, as written.
  const commands = [
    ["iam", "get-user", "--user-name", "github-ecr-push"],
    ["iam", "list-user-policies", "--user-name", "github-ecr-push"],
    ["iam", "get-user-policy", "--user-name", "github-ecr-push", "--policy-name", "ecr-push-policy"],
    ["ecr", "describe-repositories", "--region", "us-east-1"],
    ["ecr", "describe-images", "--repository-name", "mcp-server-tcp", "--region", "us-east-1"],
    ["ecr", "describe-images", "--repository-name", "mcp-server-tcp", "--region", "us-east-1", "--query", "imageDetails[*].{Tag:imageTags, Digest:imageId.imageDigest}"],
  ];
  const t0 = performance.now();
  let ok = true;
  for (const c of commands) {
    // awscli 2.9 predates AWS_ENDPOINT_URL: the endpoint goes on each command.
    const r = await runCommand("/usr/bin/aws", [...c, "--endpoint-url", sandboxUrl], env);
    if (r.status !== 0) {
      ok = false;
      console.log(`  aws ${c.slice(0, 2).join(" ")} failed: ${r.stderr.trim().split("\n")[0]}`);
    }
  }
  return { ms: performance.now() - t0, ok };
}

export default async function benchPages(): Promise<void> {
  if (!buildIsCurrent(root)) {
    // Builds are serialised with the e2e suite's (they share .next).
    console.log("building the app for production (sources changed since the last build)…");
    const b = spawnSync("flock", ["/tmp/e2e.lock", process.execPath, nextBin, "build"], { cwd: root, env: { ...process.env, NODE_ENV: "production" }, stdio: "inherit" });
    if (b.status !== 0) throw new Error("next build failed");
    stampBuild(root);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-pages-"));
  const counter = new CallCounter();
  let sb: TestSandbox | undefined;
  try {
    const t0 = performance.now();
    sb = await startTestSandbox({ dataDir, scale: "large", logRequests: true });
    console.log(`large sandbox seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${sb.url}`);
    counter.install();
    const secret = randomBytes(32).toString("base64");
    const pages: Array<[string, string]> = [
      ["Overview", "/"],
      ["Registry", "/registry"],
      ["Workflows", "/workflows"],
    ];
    const rows: string[] = [];
    const warmByPage: Record<string, number> = {};
    const coldByPage: Record<string, number> = {};
    // PAGES_BENCH_ONLY=Overview (comma-separated) measures only those pages.
    const only = process.env.PAGES_BENCH_ONLY?.split(",").map((x) => x.trim().toLowerCase());
    for (const [name, route] of pages) {
      if (only && !only.includes(name.toLowerCase())) continue;
      // A fresh server per page: "cold" means nothing cached for it, not left over from another page.
      const app = await startApp(sb.sandbox.port, dataDir, secret);
      try {
        const jar = await signIn(app.url, sb.url, "octo-operator");
        // Load the server's render path once on a page that calls neither AWS nor GitHub, so "cold"
        // measures empty caches rather than Node compiling the server bundle.
        await timeGet(jar, `${app.url}/settings`);
        counter.take();
        const cold = await timeGet(jar, `${app.url}${route}`);
        const coldCalls = counter.take();
        const warm: number[] = [];
        let warmCalls = { aws: 0, github: 0 };
        for (let i = 0; i < 5; i++) {
          warm.push((await timeGet(jar, `${app.url}${route}`)).ms);
          const c = counter.take();
          warmCalls = { aws: warmCalls.aws + c.aws, github: warmCalls.github + c.github };
        }
        const failures = [...cold.body.matchAll(/data-testid="(?:section-error|card-error)"[^>]*>(?:<p[^>]*>)?([^<]*)</g)].map((m) => m[1]);
        const failed = failures.length;
        for (const f of failures) console.error(`  ${name} section failure: ${f}`);
        coldByPage[name] = cold.ms;
        warmByPage[name] = median(warm);
        rows.push(
          `${name.padEnd(10)} HTTP ${cold.status}  cold ${cold.ms.toFixed(0).padStart(6)} ms, first byte ${cold.firstByteMs.toFixed(0)} ms (${coldCalls.aws} AWS + ${coldCalls.github} GitHub calls)  ` +
            `warm median ${median(warm).toFixed(0).padStart(4)} ms (${(warmCalls.aws / 5).toFixed(1)} AWS + ${(warmCalls.github / 5).toFixed(1)} GitHub calls per request)` +
            `${failed ? `  [${failed} section(s) reported a failure]` : ""}`,
        );
      } finally {
        await app.stop();
      }
    }
    console.log(rows.join("\n"));
    console.log(`goals: warm < 200 ms (${Object.values(warmByPage).every((v) => v < 200) ? "met" : "NOT met"}), cold Overview < 2000 ms (${coldByPage.Overview < 2000 ? "met" : "NOT met"})`);
    counter.take();
    const cli = await timeAwsCli(sb.url);
    const cliCalls = counter.take();
    console.log(`AWS CLI, the guide's 6 verification commands: ${cli.ms.toFixed(0)} ms, ${cliCalls.aws} AWS calls${cli.ok ? "" : " (some failed)"}`);
    for (const name of Object.keys(coldByPage))
      console.log(`  the CLI takes ${(cli.ms / coldByPage[name]).toFixed(1)}× as long as ${name} cold, ${(cli.ms / warmByPage[name]).toFixed(0)}× as long as ${name} warm`);
  } finally {
    counter.uninstall();
    await sb?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
