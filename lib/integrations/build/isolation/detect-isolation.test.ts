import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectIsolation, IsolationUnavailableError, isolationOnce } from "./detect-isolation";

// A fake host: a PATH holding only the tools named, a /proc and /dev with only the files named.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-detect-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function host(name: string, { tools = [] as string[], ns = ["pid", "mnt", "net"], tun = true, cgroup2 = false } = {}) {
  const root = path.join(tmp, name);
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin, { recursive: true });
  for (const t of tools) fs.writeFileSync(path.join(bin, t), "#!/bin/sh\n", { mode: 0o755 });
  fs.mkdirSync(path.join(root, "proc", "self", "ns"), { recursive: true });
  for (const n of ns) fs.writeFileSync(path.join(root, "proc", "self", "ns", n), "");
  fs.writeFileSync(path.join(root, "proc", "self", "mounts"), cgroup2 ? "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n" : "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n");
  fs.mkdirSync(path.join(root, "dev", "net"), { recursive: true });
  if (tun) fs.writeFileSync(path.join(root, "dev", "net", "tun"), "");
  return { pathEnv: bin, procRoot: path.join(root, "proc"), devRoot: path.join(root, "dev") };
}

const ALL = ["setpriv", "unshare", "nsenter", "sh", "ip", "slirp4netns", "runc", "crun"];

describe("detectIsolation", () => {
  it("picks the runtime that starts: runc first on a cgroup v1/hybrid host, crun first on cgroup v2", async () => {
    const probed: string[] = [];
    const probe = async (p: string) => (probed.push(path.basename(p)), p.endsWith("runc") ? { ok: true as const } : { ok: false as const, detail: "cgroups in hybrid mode not supported" });
    const hybrid = await detectIsolation({ network: "outbound", allowUnisolated: false, builder: "buildah", uid: 0, probe, ...host("hybrid", { tools: ALL }) });
    expect(hybrid).toMatchObject({ kind: "isolated", runtime: { name: "runc" }, network: "outbound" });
    expect(probed).toEqual(["runc"]);
    probed.length = 0;
    const v2 = await detectIsolation({ network: "none", allowUnisolated: false, builder: "buildah", uid: 0, probe, ...host("v2", { tools: ALL, cgroup2: true }) });
    expect(v2).toMatchObject({ kind: "isolated", runtime: { name: "runc" } });
    // crun was tried first on cgroup v2, failed its probe, and runc was taken.
    expect(probed).toEqual(["crun", "runc"]);
  });

  it("refuses, naming every missing package and kernel feature", async () => {
    const err = await detectIsolation({
      network: "outbound",
      allowUnisolated: false,
      builder: "buildah",
      uid: 1000,
      probe: async () => ({ ok: false, detail: "cgroups in hybrid mode not supported" }),
      ...host("bare", { tools: ["sh", "crun"], ns: ["pid", "mnt"], tun: false }),
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(IsolationUnavailableError);
    const missing = (err as IsolationUnavailableError).missing.join("\n");
    expect(missing).toMatch(/root/);
    expect(missing).toMatch(/kernel net namespaces \(CONFIG_NET_NS\)/);
    expect(missing).toMatch(/setpriv \(Debian package util-linux\)/);
    expect(missing).toMatch(/ip \(Debian package iproute2\)/);
    expect(missing).toMatch(/slirp4netns \(Debian package slirp4netns\)/);
    expect(missing).toMatch(/\/dev\/net\/tun \(CONFIG_TUN\)/);
    expect(missing).toMatch(/crun: cgroups in hybrid mode not supported/);
    expect((err as Error).message).toMatch(/DECKHAND_UNISOLATED_BUILDS=1/);
  });

  it("builds unisolated only when the operator opts in, and counts the docker builder as unisolated", async () => {
    const bare = host("optin", { tools: ["sh"] });
    const opted = await detectIsolation({ network: "outbound", allowUnisolated: true, builder: "buildah", uid: 0, probe: async () => ({ ok: true }), ...bare });
    expect(opted).toMatchObject({ kind: "unisolated", missing: expect.arrayContaining([expect.stringMatching(/runc/)]) });
    const full = host("docker", { tools: ALL });
    await expect(detectIsolation({ network: "outbound", allowUnisolated: false, builder: "docker", uid: 0, probe: async () => ({ ok: true }), ...full })).rejects.toThrow(/docker builder/);
    expect(await detectIsolation({ network: "outbound", allowUnisolated: true, builder: "docker", uid: 0, probe: async () => ({ ok: true }), ...full })).toMatchObject({ kind: "unisolated" });
  });

  it("is detected once per builder kind by a worker, a failure included", async () => {
    const isolate = isolationOnce({ network: "outbound", allowUnisolated: false, uid: 1000, ...host("once", { tools: ["sh"] }) });
    const first = await isolate({ kind: "buildah" }).catch((e: Error) => e);
    expect(await isolate({ kind: "buildah" }).catch((e: Error) => e)).toBe(first);
  });
});
