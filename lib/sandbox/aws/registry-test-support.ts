import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { makeTar } from "./seed-images";

/** Test-only helpers for the registry tests: OCI layouts written from scratch, and real clients run asynchronously. */

export const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export interface LayoutImage {
  manifest: Buffer;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
}

function writeBlob(dir: string, data: Buffer): string {
  const digest = sha256(data);
  const file = path.join(dir, "blobs", "sha256", digest.slice(7));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return digest;
}

/** One OCI image (one gzipped layer holding `files`) written into the layout at `dir`; not yet named in index.json. */
export function writeLayoutImage(dir: string, files: Array<{ name: string; content: string | Buffer }>, platform = { os: "linux", architecture: "amd64" }): LayoutImage {
  const tar = makeTar(files, 1_700_000_000);
  const layer = gzipSync(tar);
  const layerDigest = writeBlob(dir, layer);
  const config = Buffer.from(JSON.stringify({ created: "2023-11-14T22:13:20Z", ...platform, config: { Cmd: ["/app"] }, rootfs: { type: "layers", diff_ids: [sha256(tar)] }, history: [{ created: "2023-11-14T22:13:20Z" }] }));
  const configDigest = writeBlob(dir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
    }),
  );
  return { manifest, manifestDigest: writeBlob(dir, manifest), configDigest, layerDigests: [layerDigest] };
}

/** Name descriptors in the layout's index.json (`org.opencontainers.image.ref.name`), creating the layout files. */
export function nameInLayout(dir: string, entries: Array<{ ref: string; digest: string; size: number; mediaType: string }>): void {
  fs.writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const manifests = entries.map((e) => ({ mediaType: e.mediaType, digest: e.digest, size: e.size, annotations: { "org.opencontainers.image.ref.name": e.ref } }));
  fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
}

/** A single-platform image layout with `ref` naming it. */
export function singleImageLayout(dir: string, ref: string, files: Array<{ name: string; content: string | Buffer }>): LayoutImage {
  const img = writeLayoutImage(dir, files);
  nameInLayout(dir, [{ ref, digest: img.manifestDigest, size: img.manifest.length, mediaType: "application/vnd.oci.image.manifest.v1+json" }]);
  return img;
}

/** An amd64 + arm64 image index layout with `ref` naming the index. */
export function multiArchLayout(dir: string, ref: string): { index: Buffer; indexDigest: string; amd64: LayoutImage; arm64: LayoutImage } {
  const amd64 = writeLayoutImage(dir, [{ name: "arch.txt", content: "amd64\n" }], { os: "linux", architecture: "amd64" });
  const arm64 = writeLayoutImage(dir, [{ name: "arch.txt", content: "arm64\n" }], { os: "linux", architecture: "arm64" });
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: amd64.manifestDigest, size: amd64.manifest.length, platform: { os: "linux", architecture: "amd64" } },
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: arm64.manifestDigest, size: arm64.manifest.length, platform: { os: "linux", architecture: "arm64" } },
      ],
    }),
  );
  const indexDigest = writeBlob(dir, index);
  nameInLayout(dir, [{ ref, digest: indexDigest, size: index.length, mediaType: "application/vnd.oci.image.index.v1+json" }]);
  return { index, indexDigest, amd64, arm64 };
}

let privateMounts: boolean | undefined;
/** Whether this process may make a private mount namespace (root, or CAP_SYS_ADMIN). */
function privateMountsWork(): boolean {
  privateMounts ??= spawnSync("unshare", ["--mount", "--propagation", "private", "true"], { stdio: "ignore" }).status === 0;
  return privateMounts;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A per-test scratch directory (HOME, XDG_RUNTIME_DIR and TMPDIR of the tools), removed by `dispose`. */
export class ToolSandbox {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-registry-"));

  constructor() {
    // buildah insists that REGISTRY_AUTH_FILE exists; credentials come from --creds, never from here.
    fs.writeFileSync(this.path("auth.json"), JSON.stringify({ auths: {} }));
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /**
   * Run skopeo or buildah without blocking the event loop (the sandbox serves from this process). As root, both keep a
   * machine-wide blob info cache in /var/lib/containers/cache (where they pushed which blob, which drives mounts);
   * each run gets this scratch dir's own cache instead, bind-mounted in a private mount namespace that ends with the
   * process, so tests neither share nor leave that state.
   */
  run(command: "skopeo" | "buildah", args: string[], timeoutMs = 120_000): Promise<ToolResult> {
    const global = command === "buildah" ? ["--storage-driver", "vfs", "--root", this.path("storage", "root"), "--runroot", this.path("storage", "run")] : [];
    const cache = this.path("blob-info-cache");
    fs.mkdirSync(cache, { recursive: true });
    const [file, argv] = privateMountsWork()
      ? ["unshare", ["--mount", "--propagation", "private", "sh", "-c", 'mkdir -p /var/lib/containers/cache && mount --bind "$0" /var/lib/containers/cache && exec "$@"', cache, command, ...global, ...args]]
      : [command, [...global, ...args]];
    const env = {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: this.dir,
      XDG_RUNTIME_DIR: this.dir,
      TMPDIR: this.dir,
      REGISTRY_AUTH_FILE: this.path("auth.json"),
      BUILDAH_ISOLATION: "chroot",
    } as unknown as NodeJS.ProcessEnv;
    return new Promise((resolve) => {
      execFile(file, argv, { env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 32 * 1024 * 1024, encoding: "utf8" }, (err: Error | null, stdout: string, stderr: string) => {
        const exit = (err as { code?: unknown } | null)?.code;
        const code = err ? (typeof exit === "number" ? exit : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  async dispose(): Promise<void> {
    // buildah's vfs store may hold read-only directories; make them writable before removing.
    await new Promise<void>((resolve) => execFile("chmod", ["-R", "u+w", this.dir], () => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
