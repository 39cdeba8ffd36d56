import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { SandboxContext } from "../context";
import { markLayerAvailable, writeBlob, sha256Digest } from "./ecr-store";
import { storeImage } from "./ecr-images";
import { DOCKER_MANIFEST } from "./ecr-manifest";

/** A minimal POSIX ustar archive: real layer tarballs for seeded images. */
export function makeTar(files: Array<{ name: string; content: string | Buffer }>, mtimeS: number): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const data = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content);
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 100, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
    h.write(Math.floor(mtimeS).toString(8).padStart(11, "0") + "\0", 136);
    h.write("        ", 148);
    h.write("0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface BuiltLayer {
  digest: string;
  diffId: string;
  size: number;
}

/** A gzipped tar layer written to the blob store. */
export function buildLayer(ctx: SandboxContext, files: Array<{ name: string; content: string | Buffer }>, mtimeS: number): BuiltLayer {
  const tar = makeTar(files, mtimeS);
  const gz = gzipSync(tar, { level: 6 });
  const digest = writeBlob(ctx, gz);
  return { digest, diffId: `sha256:${createHash("sha256").update(tar).digest("hex")}`, size: gz.length };
}

export interface SeedImageSpec {
  region: string;
  repo: string;
  /** 7-character commit SHA, used as the tag */
  commit: string;
  pushedMs: number;
  layers: BuiltLayer[];
  cmd: string[];
  tags: string[];
}

/** Write config blob + Docker v2 manifest for an image and record it as pushed into the repository. */
export function pushSeedImage(ctx: SandboxContext, spec: SeedImageSpec): string {
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    created: new Date(spec.pushedMs - 60_000).toISOString(),
    config: { Cmd: spec.cmd, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Labels: { "org.opencontainers.image.revision": spec.commit } },
    rootfs: { type: "layers", diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.layers.map((_, i) => ({ created: new Date(spec.pushedMs - 60_000).toISOString(), created_by: i === 0 ? "ADD rootfs.tar.gz /" : "COPY . /app" })),
  });
  const configBuf = Buffer.from(config);
  const configDigest = writeBlob(ctx, configBuf);
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: "application/vnd.docker.container.image.v1+json", size: configBuf.length, digest: configDigest },
      layers: spec.layers.map((l) => ({ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: l.size, digest: l.digest })),
    },
    null,
    3,
  );
  markLayerAvailable(ctx.db, spec.region, spec.repo, configDigest, configBuf.length);
  for (const l of spec.layers) markLayerAvailable(ctx.db, spec.region, spec.repo, l.digest, l.size);
  const size = spec.layers.reduce((n, l) => n + l.size, 0);
  const call = { ctx };
  let digest = sha256Digest(manifest);
  for (const tag of spec.tags.length ? spec.tags : [undefined])
    digest = storeImage(call, { region: spec.region, repo: spec.repo, manifest, mediaType: DOCKER_MANIFEST, artifactMediaType: "application/vnd.docker.container.image.v1+json", size, pushedMs: spec.pushedMs }, tag);
  return digest;
}
