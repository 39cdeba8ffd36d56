/**
 * The sandbox in its own process for benches (`lib/sandbox/main.ts`, as `npm start` runs it): in production GitHub and
 * AWS are other machines, so their CPU (SigV4 verification, SQLite, JSON) must not count against Deckhand's read.
 * Calls are counted on the sandbox's side, from its request log (SANDBOX_LOG=1: "[sandbox] METHOD /path status ms").
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { SANDBOX_ADMIN_TOKEN } from "../../sandbox/constants";

/** Calls by service, and by method and path with the repository's name and ids folded. */
export class SandboxCallCounter {
  aws = 0;
  github = 0;
  /** "GET /api/v3/repos/acme/{repo}/actions/secrets" → count. */
  byCall = new Map<string, number>();

  /** Counts one request log line; false when the line is not one. */
  count(line: string): boolean {
    const m = /^\[sandbox\] (\w+) (\S+) /.exec(line);
    if (!m) return false;
    const p = m[2];
    if (p.startsWith("/_sandbox")) return true;
    const shape = `${m[1]} ${p.replace(/\?.*$/, "").replace(/^(\/api\/v3\/repos\/[^/]+\/)[^/]+/, "$1{repo}").replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
    this.byCall.set(shape, (this.byCall.get(shape) ?? 0) + 1);
    if (p.startsWith("/api/v3") || p.startsWith("/actions-logs") || p.startsWith("/login/oauth")) this.github++;
    else this.aws++;
    return true;
  }

  take(): { aws: number; github: number; byCall: [string, number][] } {
    const r = { aws: this.aws, github: this.github, byCall: [...this.byCall].sort((a, b) => b[1] - a[1]) };
    this.aws = 0;
    this.github = 0;
    this.byCall.clear();
    return r;
  }
}

export interface SandboxProcess {
  url: string;
  pid: number;
  counter: SandboxCallCounter;
  /** User + system CPU ms the sandbox process has used so far (Linux /proc; null elsewhere). */
  cpuMs(): number | null;
  /**
   * Resolves once every request the sandbox answered before this call is counted: a marker request goes through the
   * sandbox after them, and its log line comes after theirs on the same pipe.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 now (the OS picks it; the benches start their servers on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const CLK_TCK = 100;

function procCpuMs(pid: number): number | null {
  try {
    // Fields after the ")" of the command name: state is field 3, utime 14, stime 15 (1-based over the whole line).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Starts `lib/sandbox/main.ts` seeded with `scenario` at `scale` in `dataDir`, on a free port; resolves when it listens. */
export async function startSandboxProcess(opts: { dataDir: string; scenario: string; scale: "small" | "large" }): Promise<SandboxProcess> {
  const port = await freePort();
  const main = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../sandbox/main.ts");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", main, "--scenario", opts.scenario, "--scale", opts.scale], {
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_HOST: "127.0.0.1",
      DECKHAND_DATA_DIR: opts.dataDir,
      SANDBOX_LOG: "1",
      SANDBOX_KEY_PROPAGATION_MS: "200",
      SANDBOX_ADMIN_TOKEN,
      DECKHAND_URL: "http://127.0.0.1:9",
      // Never outlive the bench.
      DECKHAND_SANDBOX_CHILD: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const counter = new SandboxCallCounter();
  const markers = new Map<string, () => void>();
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const lines = readline.createInterface({ input: child.stdout! });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => {
      const listening = /emulator listening on (\S+)/.exec(line);
      if (listening) return resolve(listening[1]);
      const marker = /^\[sandbox\] GET \/_sandbox\/bench-marker\/(\S+) /.exec(line);
      if (marker) {
        markers.get(marker[1])?.();
        markers.delete(marker[1]);
        return;
      }
      counter.count(line);
    });
    void exited.then((code) => reject(new Error(`sandbox process exited (${code}) before listening: ${stderr}`)));
  });
  let seq = 0;
  return {
    url,
    pid: child.pid!,
    counter,
    cpuMs: () => procCpuMs(child.pid!),
    async settle() {
      const id = String(++seq);
      const seen = new Promise<void>((resolve) => markers.set(id, resolve));
      await fetch(`${url}/_sandbox/bench-marker/${id}`, { headers: { authorization: `Bearer ${SANDBOX_ADMIN_TOKEN}` } }).then((r) => r.arrayBuffer());
      await seen;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timeout = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timeout);
      lines.close();
    },
  };
}
