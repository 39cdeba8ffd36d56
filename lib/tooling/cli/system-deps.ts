import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";

/** Debian packages the tests and the push worker need, and how to tell each is there. */
export const SYSTEM_DEPS: Array<{ pkg: string; present: () => boolean; why: string }> = [
  { pkg: "chromium", present: () => fs.existsSync("/usr/bin/chromium"), why: "end-to-end tests drive Debian's chromium" },
  { pkg: "buildah", present: () => onPath("buildah"), why: "the push worker builds images with buildah" },
  { pkg: "runc", present: () => onPath("runc") || onPath("crun"), why: "the push worker runs RUN steps in their own namespaces with an OCI runtime" },
  { pkg: "slirp4netns", present: () => onPath("slirp4netns"), why: "RUN steps reach the internet through slirp4netns, never the worker host" },
  { pkg: "iproute2", present: () => onPath("ip"), why: "the build network blackholes host and metadata addresses with ip route" },
  { pkg: "util-linux", present: () => onPath("unshare") && onPath("nsenter") && onPath("setpriv"), why: "builds run in a PID namespace tied to the worker (unshare, setpriv, nsenter)" },
  { pkg: "busybox-static", present: () => installed("busybox-static"), why: "isolation tests build a base image from Debian's static busybox" },
  { pkg: "skopeo", present: () => onPath("skopeo"), why: "the sandbox's registry (/v2) is checked with skopeo as a real client" },
  { pkg: "awscli", present: () => fs.existsSync("/usr/bin/aws"), why: "sandbox conformance tests run the AWS CLI v2" },
  { pkg: "git", present: () => onPath("git"), why: "the sandbox serves git over HTTP and the worker fetches commits" },
];

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function installed(pkg: string): boolean {
  const out = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return out.status === 0 && out.stdout.includes("install ok installed");
}

/** Install what is missing with apt-get (as root), or say exactly what to install. */
export function ensureSystemDeps(): void {
  const missing = SYSTEM_DEPS.filter((d) => !d.present());
  if (missing.length === 0) return;
  const names = missing.map((d) => d.pkg);
  if (process.getuid?.() !== 0) {
    for (const d of missing) console.error(`missing Debian package ${d.pkg}: ${d.why}`);
    throw new Error(`run as root, or install first: apt-get install -y ${names.join(" ")}`);
  }
  console.log(`Installing Debian packages: ${names.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...names], { stdio: "inherit", env });
  const still = SYSTEM_DEPS.filter((d) => !d.present());
  if (still.length) throw new Error(`still missing after apt-get: ${still.map((d) => d.pkg).join(" ")}`);
}
