import fs from "node:fs/promises";
import { findOnPath } from "../detect-builder";
import { probeRuntime, type RuntimeProbe } from "./probe-runtime";

/** `outbound`: RUN steps reach the internet through slirp4netns, never the host; `none`: no network at all. */
export type BuildNetworkMode = "outbound" | "none";

export interface IsolationTools {
  setpriv: string;
  unshare: string;
  nsenter: string;
  sh: string;
  /** Only with network "outbound". */
  ip?: string;
  slirp4netns?: string;
}

export type Isolation =
  | {
      kind: "isolated";
      /** The OCI runtime buildah runs RUN steps with (`--isolation oci --runtime <path>`). */
      runtime: { name: "runc" | "crun"; path: string };
      network: BuildNetworkMode;
      tools: IsolationTools;
    }
  | {
      /** The operator opted in (DECKHAND_UNISOLATED_BUILDS=1) on a host where isolation is missing: said on every job. */
      kind: "unisolated";
      network: BuildNetworkMode;
      /** What is missing, for the job log. */
      missing: string[];
    };

export class IsolationUnavailableError extends Error {
  constructor(readonly missing: string[]) {
    super(
      `this host cannot isolate builds, so the worker does not run them: ${missing.join("; ")}. ` +
        "Install what is named (or run the worker on a host that has it); DECKHAND_UNISOLATED_BUILDS=1 builds without isolation at your own risk",
    );
    this.name = "IsolationUnavailableError";
  }
}

export const UNISOLATED_WARNING =
  "WARNING: builds on this worker are NOT isolated (DECKHAND_UNISOLATED_BUILDS=1): RUN steps share the host's network and can reach its loopback, metadata service and processes";

export interface DetectOptions {
  network: BuildNetworkMode;
  allowUnisolated: boolean;
  /** "buildah" builds can be isolated; "docker" is not verified here and counts as unisolated. */
  builder: "buildah" | "docker";
  pathEnv?: string;
  uid?: number;
  probe?: (runtime: string) => Promise<RuntimeProbe>;
  /** Where the kernel's namespace and TUN files are looked up (tests point it elsewhere). */
  procRoot?: string;
  devRoot?: string;
}

/**
 * What this host offers for running untrusted RUN steps, checked once when the worker starts.
 *
 * Isolated builds need: root (rootless buildah cannot join a network namespace that a separate slirp4netns
 * serves, so it is not supported), the kernel's PID, mount and network namespaces, util-linux (unshare, nsenter,
 * setpriv), an OCI runtime that really starts a container here (crun preferred on cgroup v2, runc otherwise;
 * each is probed), and for outbound network slirp4netns, iproute2 and /dev/net/tun.
 *
 * Throws IsolationUnavailableError naming every missing package or kernel feature, unless `allowUnisolated`, in
 * which case the result says unisolated and what is missing. The docker builder's RUN steps run on Docker's own
 * bridge network, which reaches the host and metadata addresses; that is not verified here, so it always counts as
 * unisolated.
 */
export async function detectIsolation(opts: DetectOptions): Promise<Isolation> {
  const pathEnv = opts.pathEnv ?? process.env.PATH ?? "";
  const procRoot = opts.procRoot ?? "/proc";
  const devRoot = opts.devRoot ?? "/dev";
  const missing: string[] = [];
  const find = async (cmd: string, pkg: string) => {
    const p = await findOnPath(cmd, pathEnv);
    if (!p) missing.push(`${cmd} (Debian package ${pkg})`);
    return p;
  };

  if (opts.builder === "docker") {
    missing.push("isolation of the docker builder's RUN steps is not verified by Deckhand (use buildah)");
  }
  if ((opts.uid ?? process.getuid?.() ?? 0) !== 0) missing.push("root: the worker must run as root to give RUN steps their own namespaces");
  for (const [ns, feature] of [
    ["pid", "CONFIG_PID_NS"],
    ["mnt", "mount namespaces"],
    ["net", "CONFIG_NET_NS"],
  ] as const) {
    if (!(await exists(`${procRoot}/self/ns/${ns}`))) missing.push(`kernel ${ns} namespaces (${feature})`);
  }
  const setpriv = await find("setpriv", "util-linux");
  const unshare = await find("unshare", "util-linux");
  const nsenter = await find("nsenter", "util-linux");
  const sh = (await findOnPath("sh", pathEnv)) ?? "/bin/sh";
  let ip: string | null = null;
  let slirp4netns: string | null = null;
  if (opts.network === "outbound") {
    ip = await find("ip", "iproute2");
    slirp4netns = await find("slirp4netns", "slirp4netns");
    if (!(await exists(`${devRoot}/net/tun`))) missing.push("kernel TUN device /dev/net/tun (CONFIG_TUN), which slirp4netns needs");
  }
  const runtime = opts.builder === "buildah" ? await pickRuntime(pathEnv, procRoot, opts.probe ?? probeRuntime, missing) : null;

  if (missing.length === 0 && runtime && setpriv && unshare && nsenter && opts.builder === "buildah") {
    return {
      kind: "isolated",
      runtime,
      network: opts.network,
      tools: { setpriv, unshare, nsenter, sh, ...(ip ? { ip } : {}), ...(slirp4netns ? { slirp4netns } : {}) },
    };
  }
  if (!opts.allowUnisolated) throw new IsolationUnavailableError(missing);
  return { kind: "unisolated", network: opts.network, missing };
}

async function pickRuntime(
  pathEnv: string,
  procRoot: string,
  probe: (runtime: string) => Promise<RuntimeProbe>,
  missing: string[],
): Promise<{ name: "runc" | "crun"; path: string } | null> {
  // crun is the default of current buildah and handles cgroup v2 best; crun 1.8 (Debian 12) refuses cgroup v1
  // and hybrid hosts, where runc works. Try in the order that suits this host, keep the first that starts.
  const unified = await isCgroup2Unified(procRoot);
  const order = unified ? (["crun", "runc"] as const) : (["runc", "crun"] as const);
  const failures: string[] = [];
  for (const name of order) {
    const p = await findOnPath(name, pathEnv);
    if (!p) continue;
    const verdict = await probe(p);
    if (verdict.ok) return { name, path: p };
    failures.push(`${name}: ${verdict.detail}`);
  }
  missing.push(
    failures.length
      ? `an OCI runtime that can start containers here (${failures.join("; ")})`
      : "an OCI runtime: runc or crun (Debian package runc)",
  );
  return null;
}

async function isCgroup2Unified(procRoot: string): Promise<boolean> {
  const mounts = await fs.readFile(`${procRoot}/self/mounts`, "utf8").catch(() => "");
  return mounts.split("\n").some((l) => {
    const [, mountPoint, type] = l.split(" ");
    return mountPoint === "/sys/fs/cgroup" && type === "cgroup2";
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/**
 * The worker's isolation, detected once per builder kind and kept (a failure too: every job then fails at once
 * with the same message naming what is missing, while the rest of Deckhand keeps working).
 */
export function isolationOnce(opts: Omit<DetectOptions, "builder">): (builder: { kind: "buildah" | "docker" }) => Promise<Isolation> {
  const cache = new Map<string, Promise<Isolation>>();
  return (builder) => {
    let found = cache.get(builder.kind);
    if (!found) {
      found = detectIsolation({ ...opts, builder: builder.kind });
      found.catch(() => undefined);
      cache.set(builder.kind, found);
    }
    return found;
  };
}
