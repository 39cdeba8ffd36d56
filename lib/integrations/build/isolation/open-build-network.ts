import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import { promisify } from "node:util";
import type { BuildNetworkMode, IsolationTools } from "./detect-isolation";

const run = promisify(execFile);

/** slirp4netns's fixed addresses (slirp4netns(1), "Default configuration"). */
export const SLIRP_GATEWAY = "10.0.2.2";
export const SLIRP_DNS = "10.0.2.3";

/**
 * Destinations a RUN step must never reach, blackholed inside its network namespace (answers EINVAL at once):
 * link-local (169.254.0.0/16: the AWS, GCP, Azure and OCI instance metadata services, ECS task credentials at
 * 169.254.170.2), Alibaba Cloud's metadata address, and slirp's own gateway, which would otherwise forward to the
 * host's loopback (slirp4netns also runs with --disable-host-loopback). The host's own addresses are added per build.
 */
export const ALWAYS_BLOCKED = ["169.254.0.0/16", "100.100.100.200/32", `${SLIRP_GATEWAY}/32`];

export interface BuildNetwork {
  mode: BuildNetworkMode;
  /** Arguments for `buildah build`: `--network none`, or the namespace and slirp's DNS. */
  buildahArgs(netnsTarget: string): string[];
  /** /proc/<pid>/ns/net of the namespace holder, for isolatedCommand's bind; undefined for "none". */
  netnsSource?: string;
  /** The blackholed destinations, for the job log. */
  blocked: string[];
  /** Stops slirp4netns and the namespace holder; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A network namespace for one build's RUN steps.
 *
 * "outbound": a fresh namespace held by a `sleep` process, connected to the internet by slirp4netns (user-mode
 * TCP/IP: the step's connections become ordinary sockets of the slirp process, so nothing is bridged or routed on
 * the host), with routes inside the namespace that blackhole link-local and metadata addresses, slirp's gateway and
 * every address the host itself answers on (read from its local routing table now, so a bridge or VPN added later
 * is covered by the next build). DNS is slirp's forwarder at 10.0.2.3.
 *
 * The holder and slirp4netns carry a parent-death signal: if the worker dies they die, and the kernel frees the
 * namespace. No /run/netns entry is made: `ip netns add` bind mounts are shared-propagation mounts that
 * slirp4netns --enable-sandbox unmounts again (measured on Debian 12), and they outlive a killed worker.
 *
 * "none": buildah's own `--network none` (a namespace with only loopback).
 */
export async function openBuildNetwork({
  mode,
  tools,
  readyTimeoutMs = 10_000,
}: {
  mode: BuildNetworkMode;
  tools: IsolationTools;
  readyTimeoutMs?: number;
}): Promise<BuildNetwork> {
  if (mode === "none") {
    return { mode, buildahArgs: () => ["--network", "none"], blocked: [], close: async () => undefined };
  }
  if (!tools.ip || !tools.slirp4netns) throw new Error("outbound build network needs ip (iproute2) and slirp4netns");
  const ip = tools.ip;
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const c of children.splice(0).reverse()) await stop(c);
  };
  try {
    const holder = spawn(tools.setpriv, ["--pdeathsig", "KILL", "--", tools.unshare, "--net", "--", "sleep", "infinity"], {
      stdio: "ignore",
    });
    children.push(holder);
    const pid = await started(holder);
    const netnsSource = `/proc/${pid}/ns/net`;
    await waitForOwnNetns(netnsSource, readyTimeoutMs);
    const inNs = (args: string[], input?: string) => runWithInput(tools.nsenter, [`--net=${netnsSource}`, "--", ip, ...args], input);
    await inNs(["link", "set", "lo", "up"]);

    const slirp = spawn(
      tools.setpriv,
      [
        "--pdeathsig",
        "KILL",
        "--",
        tools.slirp4netns,
        "--configure",
        "--mtu=65520",
        "--disable-host-loopback",
        "--enable-sandbox",
        "--enable-seccomp",
        "--ready-fd=3",
        String(pid),
        "tap0",
      ],
      { stdio: ["ignore", "ignore", "pipe", "pipe"] },
    );
    children.push(slirp);
    await slirpReady(slirp, readyTimeoutMs);

    const hostAddresses = await readHostLocalDestinations(ip);
    const blocked = [...ALWAYS_BLOCKED, ...hostAddresses];
    await inNs(["-batch", "-"], blocked.map((dst) => `route add blackhole ${dst}`).join("\n") + "\n");
    return {
      mode,
      buildahArgs: (target) => ["--network", `ns:${target}`, "--dns", SLIRP_DNS],
      netnsSource,
      blocked,
      close,
    };
  } catch (err) {
    await close();
    throw new Error(`cannot set up the build network: ${(err as Error).message}`);
  }
}

/**
 * Every destination the host itself answers on: `local` routes of its local routing table (its addresses, and
 * whole local ranges such as 127.0.0.0/8 or AnyIP prefixes), as CIDRs.
 */
export async function readHostLocalDestinations(ip = "ip"): Promise<string[]> {
  const { stdout } = await run(ip, ["-4", "-j", "route", "show", "table", "local"], { maxBuffer: 4 << 20 });
  const routes = JSON.parse(stdout || "[]") as Array<{ type?: string; dst?: string }>;
  const out = new Set<string>();
  for (const r of routes) {
    if (r.type !== "local" || !r.dst) continue;
    out.add(r.dst.includes("/") ? r.dst : `${r.dst}/32`);
  }
  return [...out];
}

function started(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => (child.pid ? resolve(child.pid) : reject(new Error("no pid"))));
  });
}

/** unshare has run once the holder's network namespace differs from ours. */
async function waitForOwnNetns(nsPath: string, timeoutMs: number): Promise<void> {
  const ours = await fs.readlink("/proc/self/ns/net");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const theirs = await fs.readlink(nsPath).catch(() => null);
    if (theirs && theirs !== ours) return;
    if (Date.now() > deadline) throw new Error("the network namespace holder did not start");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** slirp4netns writes "1" to its ready fd once tap0 is configured; it exits with a message otherwise. */
function slirpReady(slirp: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    slirp.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => reject(new Error(`slirp4netns was not ready within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    const ready = slirp.stdio[3] as NodeJS.ReadableStream | null;
    ready?.on("data", () => {
      clearTimeout(timer);
      resolve();
    });
    slirp.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    slirp.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`slirp4netns exited (${code}): ${stderr.trim()}`));
    });
  });
}

function runWithInput(command: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? "ignore" : "pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`${args.slice(2).join(" ")}: ${stderr.trim() || `exit ${code}`}`))));
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGKILL");
  await exited;
}
