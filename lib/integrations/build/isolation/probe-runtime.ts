import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type RuntimeProbe = { ok: true } | { ok: false; detail: string };

/**
 * Whether an OCI runtime (runc, crun) can start a container on this host: it runs `/bin/true` from the host's
 * /usr, bound read-only into an empty root, with the runtime's default spec (`<runtime> spec`: new PID, mount,
 * IPC, UTS and network namespaces, cgroups). That is what a RUN step needs, and it catches what `--version` does
 * not: crun 1.8 refuses cgroup v1/hybrid hosts ("cgroups in hybrid mode not supported"), a missing kernel feature,
 * a seccomp or AppArmor refusal. Takes ~100 ms. Needs root.
 */
export async function probeRuntime(runtime: string, timeoutMs = 20_000): Promise<RuntimeProbe> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "deckhand-runtime-probe-"));
  const id = `deckhand-probe-${crypto.randomBytes(4).toString("hex")}`;
  const state = path.join(dir, "state");
  try {
    const rootfs = path.join(dir, "rootfs");
    await fs.mkdir(rootfs, { recursive: true });
    const mounts: Array<Record<string, unknown>> = [];
    for (const top of ["usr", "bin", "lib", "lib64", "sbin"]) {
      const host = `/${top}`;
      const st = await fs.lstat(host).catch(() => null);
      if (!st) continue;
      // Merged-/usr hosts (Debian 12) have /bin -> usr/bin: recreate the link; otherwise bind the directory.
      if (st.isSymbolicLink()) await fs.symlink(await fs.readlink(host), path.join(rootfs, top));
      else {
        await fs.mkdir(path.join(rootfs, top));
        mounts.push({ destination: host, type: "bind", source: host, options: ["rbind", "ro", "nosuid", "nodev"] });
      }
    }
    await run(runtime, ["spec"], { cwd: dir, timeout: timeoutMs });
    const specPath = path.join(dir, "config.json");
    const spec = JSON.parse(await fs.readFile(specPath, "utf8")) as {
      process: { terminal: boolean; args: string[] };
      root: { path: string; readonly: boolean };
      mounts: Array<Record<string, unknown>>;
      hostname?: string;
    };
    spec.process.terminal = false;
    spec.process.args = ["/bin/true"];
    spec.root = { path: "rootfs", readonly: true };
    spec.mounts = [...spec.mounts, ...mounts];
    await fs.writeFile(specPath, JSON.stringify(spec));
    await run(runtime, ["--root", state, "run", "--bundle", dir, id], { timeout: timeoutMs, maxBuffer: 1 << 20 });
    return { ok: true };
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string | number };
    if (e.code === "ENOENT") return { ok: false, detail: `${runtime} not found` };
    const detail = (e.stderr || e.message).trim().split("\n").filter(Boolean).slice(-2).join(" ");
    return { ok: false, detail: detail.slice(0, 300) };
  } finally {
    await run(runtime, ["--root", state, "delete", "--force", id], { timeout: timeoutMs }).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
}
