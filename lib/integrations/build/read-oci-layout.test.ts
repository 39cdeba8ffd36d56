import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readOciLayout } from "./read-oci-layout";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-oci-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function layout(name: string) {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, "blobs", "sha256"), { recursive: true });
  const put = (bytes: Buffer | string, mediaType: string, extra: object = {}) => {
    const b = Buffer.from(bytes);
    const hex = crypto.createHash("sha256").update(b).digest("hex");
    fs.writeFileSync(path.join(dir, "blobs", "sha256", hex), b);
    return { mediaType, digest: `sha256:${hex}`, size: b.length, ...extra };
  };
  const index = (manifests: object[]) => fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
  return { dir, put, index };
}

function image(l: ReturnType<typeof layout>, arch: string) {
  const config = l.put(JSON.stringify({ architecture: arch, os: "linux" }), "application/vnd.oci.image.config.v1+json");
  const layer = l.put(`layer-${arch}`, "application/vnd.oci.image.layer.v1.tar+gzip");
  // Odd spacing on purpose: the bytes must come back exactly, not re-serialised.
  const bytes = `{"schemaVersion":2,  "mediaType":"application/vnd.oci.image.manifest.v1+json","config":${JSON.stringify(config)},"layers":[${JSON.stringify(layer)}]}`;
  return { config, layer, bytes, desc: l.put(bytes, "application/vnd.oci.image.manifest.v1+json", { platform: { os: "linux", architecture: arch } }) };
}

describe("readOciLayout", () => {
  it("reads a named image: exact manifest bytes, config first, then layers", async () => {
    const l = layout("plain");
    const img = image(l, "amd64");
    const other = image(l, "arm64");
    l.index([
      { ...other.desc, annotations: { "org.opencontainers.image.ref.name": "other" } },
      { ...img.desc, annotations: { "org.opencontainers.image.ref.name": "image" } },
    ]);
    const got = await readOciLayout(l.dir, "image");
    expect(got.manifestBytes.toString()).toBe(img.bytes);
    expect(got.manifestDigest).toBe(img.desc.digest);
    expect(got.configDigest).toBe(img.config.digest);
    expect(got.blobs.map((b) => [b.digest, b.size, b.mediaType])).toEqual([
      [img.config.digest, img.config.size, img.config.mediaType],
      [img.layer.digest, img.layer.size, img.layer.mediaType],
    ]);
    await expect(readOciLayout(l.dir)).rejects.toThrow(/expected one image, found 2/);
  });

  it("descends an index (as buildx writes) to linux/amd64, skipping attestation entries", async () => {
    const l = layout("nested");
    const arm = image(l, "arm64");
    const amd = image(l, "amd64");
    const att = l.put("{}", "application/vnd.oci.image.manifest.v1+json", { platform: { os: "unknown", architecture: "unknown" } });
    const idx = l.put(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [arm.desc, att, amd.desc] }), "application/vnd.oci.image.index.v1+json");
    l.index([idx]);
    expect((await readOciLayout(l.dir)).configDigest).toBe(amd.config.digest);
  });

  it("rejects tampered or missing blobs", async () => {
    const l = layout("bad");
    const img = image(l, "amd64");
    l.index([img.desc]);
    fs.writeFileSync(path.join(l.dir, "blobs", "sha256", img.layer.digest.slice(7)), "short");
    await expect(readOciLayout(l.dir)).rejects.toThrow(/is 5 bytes, manifest says/);
    fs.rmSync(path.join(l.dir, "blobs", "sha256", img.layer.digest.slice(7)));
    await expect(readOciLayout(l.dir)).rejects.toThrow(/is missing/);
    fs.writeFileSync(path.join(l.dir, "blobs", "sha256", img.desc.digest.slice(7)), img.bytes + " ");
    await expect(readOciLayout(l.dir)).rejects.toThrow(/has digest/);
  });
});
