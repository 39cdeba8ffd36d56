import { describe, expect, it } from "vitest";
import { parseManifest } from "./ecr-manifest";

const d = (n: number) => ({ mediaType: "x", digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, size: n * 100 });

describe("parseManifest", () => {
  it("sums layer sizes (not the config) like ECR's imageSizeInBytes", () => {
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json", config: d(9), layers: [d(1), d(2)] }), undefined);
    expect(m).toMatchObject({ kind: "image", size: 300, mediaType: "application/vnd.docker.distribution.manifest.v2+json" });
  });
  it("reads indexes and refuses mismatched media types, bad JSON and missing layers", () => {
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, manifests: [d(1)] }), undefined)).toMatchObject({ kind: "index", mediaType: "application/vnd.oci.image.index.v1+json" });
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: "a", config: d(1), layers: [] }), "b")).toHaveProperty("error");
    expect(parseManifest("{", undefined)).toHaveProperty("error");
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, config: d(1) }), undefined)).toHaveProperty("error");
    expect(parseManifest(JSON.stringify({ schemaVersion: 1, config: d(1), layers: [] }), undefined)).toHaveProperty("error");
  });
});
