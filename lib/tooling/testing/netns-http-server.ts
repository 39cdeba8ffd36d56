// A stand-in for "the internet" in build network tests: an HTTP server (busybox httpd) in its own network
// namespace, reached from the host over a veth pair on a TEST-NET-2 address (RFC 5737), so it is neither loopback
// nor one of the host's own addresses. Needs root, iproute2, util-linux and busybox-static.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface NetnsHttpServer {
  /** http://198.51.100.x:8080 */
  url: string;
  /** The host side of the veth pair: one of the host's own addresses while the server runs. */
  hostAddress: string;
  close(): Promise<void>;
}

export async function startNetnsHttpServer(files: Record<string, string>): Promise<NetnsHttpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-netns-www-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  // A /30 per server from TEST-NET-2, chosen at random so parallel test files do not collide.
  const block = crypto.randomInt(0, 64) * 4;
  const hostAddress = `198.51.100.${block + 1}`;
  const serverAddress = `198.51.100.${block + 2}`;
  const hostIf = `dhv${crypto.randomBytes(3).toString("hex")}`;
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const c of children.splice(0).reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once("exit", r));
        c.kill("SIGKILL");
        await gone;
      }
    }
    // The pair goes with the namespace; this only matters if that failed.
    await run("ip", ["link", "del", hostIf]).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const holder = spawn("setpriv", ["--pdeathsig", "KILL", "--", "unshare", "--net", "--", "sleep", "infinity"], { stdio: "ignore" });
    children.push(holder);
    await new Promise((r, j) => (holder.once("spawn", r), holder.once("error", j)));
    const ns = `/proc/${holder.pid}/ns/net`;
    const ours = fs.readlinkSync("/proc/self/ns/net");
    for (let i = 0; i < 200 && fs.readlinkSync(ns) === ours; i++) await new Promise((r) => setTimeout(r, 10));
    await run("ip", ["link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", String(holder.pid)]);
    await run("ip", ["addr", "add", `${hostAddress}/30`, "dev", hostIf]);
    await run("ip", ["link", "set", hostIf, "up"]);
    const inNs = (...args: string[]) => run("nsenter", [`--net=${ns}`, "--", ...args]);
    await inNs("ip", "addr", "add", `${serverAddress}/30`, "dev", "eth0");
    await inNs("ip", "link", "set", "eth0", "up");
    await inNs("ip", "link", "set", "lo", "up");
    const httpd = spawn("setpriv", ["--pdeathsig", "KILL", "--", "nsenter", `--net=${ns}`, "--", "/bin/busybox", "httpd", "-f", "-p", `${serverAddress}:8080`, "-h", dir], {
      stdio: "ignore",
    });
    children.push(httpd);
    const url = `http://${serverAddress}:8080`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/${Object.keys(files)[0] ?? ""}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error(`busybox httpd did not answer on ${url}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { url, hostAddress, close };
  } catch (err) {
    await close();
    throw err;
  }
}
