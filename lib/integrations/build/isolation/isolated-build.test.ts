// RUN steps of an untrusted commit, built the way a worker builds them: what can they see and reach?
// Real buildah, a real OCI runtime, real namespaces; a static busybox (Debian's busybox-static) is the base image.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../build-image";
import { detectBuilder, type Builder } from "../detect-builder";
import { CommandTimeoutError } from "../run-streaming";
import { startNetnsHttpServer, type NetnsHttpServer } from "../../../tooling/testing/netns-http-server";
import { detectIsolation, type Isolation } from "./detect-isolation";

let tmp: string;
let builder: Builder;
let outbound: Isolation;
let offline: Isolation;
let app: http.Server;
let appPort: number;
let internet: NetnsHttpServer;
let n = 0;

const BASE = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-isolated-"));
  builder = await detectBuilder({ preference: "buildah" });
  outbound = await detectIsolation({ network: "outbound", allowUnisolated: false, builder: "buildah" });
  offline = await detectIsolation({ network: "none", allowUnisolated: false, builder: "buildah" });
  // Stands in for Deckhand's own /api/health: listening on every host address, the worst case.
  app = http.createServer((_req, res) => res.end("deckhand-health-ok"));
  await new Promise<void>((r) => app.listen(0, "0.0.0.0", r));
  appPort = (app.address() as AddressInfo).port;
  internet = await startNetnsHttpServer({ "dependency.txt": "downloaded-dependency-v1\n" });
}, 60_000);

afterAll(async () => {
  await internet?.close();
  await new Promise((r) => app?.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function context(dockerfile: string): string {
  const dir = path.join(tmp, `ctx-${n++}`);
  fs.mkdirSync(dir);
  fs.copyFileSync("/bin/busybox", path.join(dir, "busybox"));
  fs.writeFileSync(path.join(dir, "Dockerfile"), BASE + dockerfile);
  return dir;
}

async function build(dockerfile: string, isolation: Isolation, extra: Partial<Parameters<typeof buildImage>[0]> = {}, prepare: (ctx: string) => void = () => {}) {
  const ctx = context(dockerfile);
  prepare(ctx);
  const lines: string[] = [];
  const result = await buildImage({
    builder,
    context: ctx,
    dockerfile: path.join(ctx, "Dockerfile"),
    sourceDate: 1_700_000_000,
    workDir: path.join(tmp, `work-${n++}`),
    isolation,
    onLine: (l) => lines.push(l),
    ...extra,
  }).catch((err: Error) => err);
  return { result, lines, out: lines.join("\n") };
}

/** Inherited by every process this test file starts (the build network's holder and slirp4netns included), so an
 * orphan reparented to init can be told from another test file's build running at the same time. */
const MARK = `ISOLATED_BUILD_TEST=${process.pid}-${Date.now()}`;
process.env.ISOLATED_BUILD_TEST = MARK.split("=")[1];

function startedHere(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(MARK);
  } catch {
    return false; // gone already, or not ours to read
  }
}

/**
 * Host state a build must not leave changed: live (not zombie) processes that are this test process's children or
 * work in its directory, orphans of a build network (a holder or slirp4netns whose parent died) that this file
 * started, and the host's mounts under this test's directory. Other test files building at the same time (their
 * processes, their storage's mounts) are not counted: the count of every mount flaked under a loaded full run.
 */
function hostSnapshot() {
  const procs = execFileSync("ps", ["-eo", "stat=,pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([stat, pid]) => stat && pid && !stat.startsWith("Z"))
    .map(([, pid, ppid, ...args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args.join(" ") }))
    .filter((p) => p.pid !== process.pid && (p.ppid === process.pid || p.args.includes(tmp) || (p.ppid === 1 && /slirp4netns|unshare --net|sleep infinity/.test(p.args) && startedHere(p.pid))))
    .filter((p) => !/^ps /.test(p.args))
    .map((p) => `${p.pid} ${p.args.split(" ")[0]}`)
    .sort();
  const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(tmp)).sort();
  return { procs, mounts };
}

function hostAddress(): string {
  const all = Object.values(os.networkInterfaces()).flat();
  const a = all.find((i) => i && i.family === "IPv4" && !i.internal && i.address !== internet.hostAddress);
  if (!a) throw new Error("no non-loopback IPv4 address on this host");
  return a.address;
}

describe("a RUN step on an isolated worker", () => {
  it("reaches nothing of the host, sees only its own processes and none of the worker's environment", async () => {
    process.env.AWS_SECRET_ACCESS_KEY_TEST_CANARY = "canary-secret-must-not-leak";
    const before = hostSnapshot();
    const hostIp = hostAddress();
    const targets = [
      `http://127.0.0.1:${appPort}/api/health`,
      `http://10.0.2.2:${appPort}/api/health`,
      `http://${hostIp}:${appPort}/api/health`,
      `http://${internet.hostAddress}:${appPort}/api/health`,
      "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    ];
    const { result, lines } = await build(
      [
        'RUN mkdir -p /tmp && echo "PIDS $(ls /proc | grep -E \'^[0-9]+$\' | tr \'\\n\' \' \')"',
        " && echo \"CMDLINE1 $(tr '\\0' ' ' < /proc/1/cmdline)\"",
        ...targets.map((u) => ` && (wget -q -O - ${u} > /tmp/got 2> /tmp/err && echo "REACHED ${u} $(cat /tmp/got)" || echo "BLOCKED ${u} $(cat /tmp/err)")`),
        ' && echo "ENVIRONMENT $(env | tr \'\\n\' \' \')"',
        ' && echo "MOUNTS $(cut -d\' \' -f2 /proc/mounts | tr \'\\n\' \' \')"',
        "\n",
      ].join(""),
      outbound,
    );
    delete process.env.AWS_SECRET_ACCESS_KEY_TEST_CANARY;
    expect(result).not.toBeInstanceOf(Error);
    // The host itself does reach the app (so "blocked" below is the namespace's doing, not a dead server).
    expect(await (await fetch(`http://${hostIp}:${appPort}/api/health`)).text()).toBe("deckhand-health-ok");

    // What the step printed (buildah also echoes the step's command line, which names the same words).
    const said = (tag: string) => lines.filter((l) => l.startsWith(`${tag} `)).map((l) => l.slice(tag.length + 1));
    expect(said("REACHED")).toEqual([]);
    expect(lines.join("\n")).not.toContain("deckhand-health-ok");
    // Loopback is the step's own (refused); the rest is blackholed (EINVAL) before a packet leaves the namespace.
    expect(said("BLOCKED")).toEqual([
      expect.stringMatching(/127\.0\.0\.1.*Connection refused/),
      ...targets.slice(1).map((u) => expect.stringMatching(new RegExp(`^${u.replace(/[.?/]/g, "\\$&")} .*Invalid argument`))),
    ]);
    // Its own PID namespace: a handful of low PIDs (the step's shell and its children), never the host's.
    const pids = said("PIDS")[0].trim().split(/\s+/).map(Number);
    expect(pids).toContain(1);
    expect(pids.length).toBeLessThan(10);
    expect(Math.max(...pids)).toBeLessThan(100);
    // PID 1 is the step itself, not the host's init.
    expect(said("CMDLINE1")[0]).toMatch(/^\/bin\/sh -c mkdir -p \/tmp && echo "PIDS/);
    const environment = said("ENVIRONMENT")[0];
    expect(environment).not.toMatch(/AWS_|GITHUB_|DECKHAND_|ISOLATED_BUILD_TEST|canary-secret|TOKEN|SECRET/);
    // Nothing of the host's file system is mounted in, only the container's own pseudo file systems and files.
    const mounts = said("MOUNTS")[0].trim().split(/\s+/);
    for (const m of mounts) expect(m).toMatch(/^\/(proc|dev|sys|etc\/(hosts|hostname|resolv\.conf)|run\/\.containerenv)?(\/|$)/);

    const after = hostSnapshot();
    expect(after.procs).toEqual(before.procs);
    expect(after.mounts).toEqual(before.mounts);
  }, 180_000);

  it("downloads over the network when it is allowed, and cannot when DECKHAND_BUILD_NETWORK=none", async () => {
    const step = `RUN wget -q -O /dependency.txt ${internet.url}/dependency.txt && cat /dependency.txt\n`;
    const online = await build(step, outbound);
    expect(online.result).not.toBeInstanceOf(Error);
    expect(online.out).toContain("downloaded-dependency-v1");
    const image = online.result as Exclude<typeof online.result, Error>;
    const layers = image.blobs.slice(1).map((b) => zlib.gunzipSync(fs.readFileSync(b.path)).toString("latin1"));
    expect(layers.some((l) => l.includes("downloaded-dependency-v1"))).toBe(true);

    const none = await build(step, offline);
    expect(none.result).toBeInstanceOf(Error);
    expect(none.out).toMatch(/can't connect|Network is unreachable|bad address/i);
    expect(none.out).not.toContain("downloaded-dependency-v1");
  }, 180_000);

  it("resolves names through slirp's DNS and keeps a link in the context a link", async () => {
    const { result, out } = await build(
      "COPY . /ctx/\nRUN cat /etc/resolv.conf && ls -l /ctx/escape && (cat /ctx/escape/hostname || echo NO-HOST-FILE)\n",
      outbound,
      {},
      (ctx) => fs.symlinkSync("/etc", path.join(ctx, "escape")),
    );
    expect(out).toContain("nameserver 10.0.2.3");
    expect(out).toMatch(/escape -> \/etc/);
    expect(out).toContain("NO-HOST-FILE");
    expect(result).not.toBeInstanceOf(Error);
  }, 180_000);
});

describe("limits on a build", () => {
  it("kills a build that runs past its time limit, with everything it started", async () => {
    const before = hostSnapshot();
    const started = Date.now();
    // 20 s: long enough for the RUN step to start on a loaded CI machine (8 s was not, once).
    const { result, lines } = await build('RUN echo started && sleep 600 && echo "deckhand-isolation-test-never"\n', outbound, { timeoutMs: 20_000 });
    expect(result).toBeInstanceOf(CommandTimeoutError);
    expect((result as Error).message).toMatch(/stopped after 20 s.*DECKHAND_BUILD_TIMEOUT/);
    expect(lines).toContain("started");
    expect(Date.now() - started).toBeLessThan(60_000);
    // Give the kernel a moment to reap the namespace.
    await new Promise((r) => setTimeout(r, 500));
    const after = hostSnapshot();
    expect(after.procs).toEqual(before.procs);
    expect(after.mounts).toEqual(before.mounts);
  }, 120_000);
});
