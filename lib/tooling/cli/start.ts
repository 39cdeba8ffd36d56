/**
 * `npm start`: validate everything first, then build when needed, then start the sandbox (sandbox
 * mode), the Next.js server and the embedded worker. A bad setting stops here with one line naming
 * it, before any process is started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ConfigError, parseConfig, type DeckhandConfig } from "../../infra/config/env";
import { checkDataDirWritable, openDb } from "../../infra/db/open-db";
import { buildIsCurrent, stampBuild } from "./build-fingerprint";
import { exitWithParent } from "../../infra/exit-with-parent";
import { detectBuilder, NoBuilderError, type BuilderPreference } from "../../integrations/build/detect-builder";

const root = process.cwd();
const dev = process.argv.includes("--dev");
const children: ChildProcess[] = [];
let stopping = false;
let sandboxChild: ChildProcess | null = null;

function fail(message: string): never {
  console.error(`Deckhand cannot start: ${message}`);
  process.exit(1);
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** In sandbox mode a session secret is generated once and kept in the data dir (mode 600). */
function sessionSecret(config: DeckhandConfig): string {
  if (config.authSecret) return config.authSecret;
  const file = path.join(config.dataDir, "auth-secret");
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64");
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function run(name: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void, opts: { restart?: boolean } = {}): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  let buf = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (!onLine) return;
    buf += chunk.toString("utf8");
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    if (opts.restart) {
      // A worker that dies must not take the dashboard with it; its job's lease expires and is retried.
      console.error(`Deckhand: ${name} exited (${signal ?? code}); restarting in 5 s.`);
      children.splice(children.indexOf(child), 1);
      setTimeout(() => !stopping && run(name, args, env, onLine, opts), 5000);
      return;
    }
    console.error(`Deckhand: ${name} exited (${signal ?? code}); stopping.`);
    void shutdown(code ?? 1);
  });
  return child;
}

async function shutdown(code: number): Promise<never> {
  stopping = true;
  // The sandbox (started first) goes last: the worker and the app may still be finishing calls to it.
  const stop = async (cs: ChildProcess[]) => {
    for (const c of cs) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.all(cs.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
  };
  await stop(children.filter((c) => c !== sandboxChild));
  if (sandboxChild) await stop([sandboxChild]);
  process.exit(code);
}

// Children run TypeScript with tsx as a loader in one process (not its CLI wrapper), so signals reach them.
const tsx = ["--import", "tsx"];
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");

async function main() {
  let config: DeckhandConfig;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.setting} ${err.hint}`);
    throw err;
  }
  const dirProblem = checkDataDirWritable(config.dataDir);
  if (dirProblem) fail(`DECKHAND_DATA_DIR ${dirProblem}`);
  if (!(await portFree(config.port, config.hostname))) fail(`PORT ${config.port} is already in use on ${config.hostname}; stop what uses it or set PORT`);
  if (config.mode === "sandbox" && !(await portFree(config.sandbox.port, "127.0.0.1")))
    fail(`SANDBOX_PORT ${config.sandbox.port} is already in use; stop what uses it or set SANDBOX_PORT`);
  try {
    openDb(config.dataDir).close();
  } catch (err) {
    fail(`DECKHAND_DATA_DIR store ${path.join(config.dataDir, "deckhand.db")} cannot be opened: ${(err as Error).message}`);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXTAUTH_URL: config.url,
    NEXTAUTH_SECRET: sessionSecret(config),
    DECKHAND_DATA_DIR: config.dataDir,
    NEXT_TELEMETRY_DISABLED: "1",
  };

  // Said first, before a build that can take minutes, so it is not lost in the output.
  if (config.embeddedWorker) await warnWithoutBuilder();

  if (!dev && !buildIsCurrent(root)) {
    console.log("Deckhand: building the app (first start or sources changed)…");
    const code = await new Promise<number>((resolve) => {
      const b = spawn(process.execPath, [nextBin, "build"], { cwd: root, env: { ...env, NODE_ENV: "production" }, stdio: "inherit" });
      b.on("exit", (c) => resolve(c ?? 1));
    });
    if (code !== 0) fail("the build failed (see above)");
    stampBuild(root);
  }

  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void shutdown(0));
  // Started by a test runner or a supervisor that dies without a signal: stop everything rather than linger.
  exitWithParent(() => {
    console.error("Deckhand: the process that started npm start is gone; stopping.");
    void shutdown(1);
  });

  if (config.mode === "sandbox") {
    await new Promise<void>((resolve, reject) => {
      const sb = (sandboxChild = run("sandbox", [...tsx, "lib/sandbox/main.ts"], { ...env, SANDBOX_PORT: String(config.sandbox.port), DECKHAND_URL: config.url, DECKHAND_SANDBOX_CHILD: "1" }, (line) => {
        if (line.includes("listening on")) resolve();
      }));
      sb.once("exit", () => reject(new Error("sandbox exited before it was ready")));
    }).catch((err: Error) => fail(err.message));
  }

  if (dev) run("web server", [nextBin, "dev", "-p", String(config.port), "-H", config.hostname], env);
  // Production: Next.js behind our own HTTP server, which answers webhooks itself (lib/tooling/cli/serve.ts).
  else run("web server", [...tsx, "lib/tooling/cli/serve.ts"], { ...env, NODE_ENV: "production", PORT: String(config.port), DECKHAND_SERVE_HOST: config.hostname });
  // One embedded push worker: it shares the store with the app; `npm run worker` adds more on other hosts.
  if (config.embeddedWorker) run("embedded worker", [...tsx, "lib/operations/pushes/worker/main.ts", "--embedded"], env, undefined, { restart: true });
  console.log(`Deckhand (${config.mode} mode) starting at ${config.url}`);
}

/** Pushes build images: without buildah or docker every push will fail, so say so now, not at the first push. */
async function warnWithoutBuilder(): Promise<void> {
  const preference = (["auto", "buildah", "docker"].includes(process.env.DECKHAND_BUILDER ?? "") ? process.env.DECKHAND_BUILDER : "auto") as BuilderPreference;
  try {
    await detectBuilder({ preference });
  } catch (err) {
    if (!(err instanceof NoBuilderError)) throw err;
    const bar = "!".repeat(78);
    console.warn(
      `${bar}\nDeckhand: WARNING: no image builder: ${err.message}.\n` +
        `The dashboard works, but every push will fail until buildah (apt-get install buildah) or docker with buildx is installed.\n${bar}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  void shutdown(1);
});
