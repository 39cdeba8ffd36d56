import { describe, expect, it } from "vitest";
import { readManifestRefs } from "./manifest-refs";
import { findTaggedImage, latestSince, summarizeImages } from "./image-facts";
import { commitUrl, isShaTag, sortTags } from "./commit-links";
import { needsAllFacts, parseRepositoryQuery, queryRepositories, repositoryNameFromPath, repositoryQueryHref } from "./repository-query";
import { parseImageQuery, queryImages } from "./image-query";
import { formatBytes, shortDigest } from "../../format";

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe("readManifestRefs", () => {
  it("reads the config digest of a Docker v2 manifest and sums layer sizes", () => {
    const m = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 10, digest: d("a") },
      layers: [{ size: 100, digest: d("b") }, { size: 50, digest: d("c") }, { size: -3, digest: d("e") }],
    });
    expect(readManifestRefs(m)).toEqual({
      kind: "image",
      configDigest: d("a"),
      configMediaType: "application/vnd.docker.container.image.v1+json",
      layerCount: 3,
      layersSize: 150,
      subject: null,
      artifactType: "application/vnd.docker.container.image.v1+json",
      layerMediaTypes: [null, null, null],
    });
  });

  it("treats an OCI manifest without mediaType as an image when it has a config", () => {
    const m = JSON.stringify({ schemaVersion: 2, config: { digest: d("f") }, layers: [] });
    expect(readManifestRefs(m, "application/vnd.oci.image.manifest.v1+json")).toMatchObject({ kind: "image", configDigest: d("f") });
  });

  it("picks linux/amd64 from an index and ignores attestation manifests", () => {
    const m = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { digest: d("1"), platform: { os: "unknown", architecture: "unknown" } },
        { digest: d("2"), platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        { digest: d("3"), platform: { os: "linux", architecture: "amd64" } },
        { digest: "sha256:short", platform: { os: "linux", architecture: "amd64" } },
      ],
    });
    const r = readManifestRefs(m);
    expect(r).toMatchObject({ kind: "index", linuxAmd64Digest: d("3") });
    if (r.kind === "index") expect(r.children.map((c) => c.platform)).toEqual(["unknown/unknown", "linux/arm64/v8", "linux/amd64"]);
  });

  it("shows an annotated attestation that claims a real platform as an image of it; only unknown/unknown or no platform is an attestation", () => {
    const annotations = { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d("3") };
    const m = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { digest: d("1"), platform: { os: "linux", architecture: "amd64" }, annotations },
        { digest: d("3"), platform: { os: "linux", architecture: "amd64" } },
        { digest: d("4"), platform: { os: "unknown", architecture: "unknown" }, annotations },
        { digest: d("5"), annotations },
      ],
    });
    const r = readManifestRefs(m);
    expect(r).toMatchObject({ kind: "index", linuxAmd64Digest: d("1") });
    if (r.kind === "index") expect(r.children.map((c) => [c.role, c.attests])).toEqual([["image", null], ["image", null], ["attestation", d("3")], ["attestation", d("3")]]);
  });

  it("recognises an index by the API media type when the document omits it", () => {
    const m = JSON.stringify({ schemaVersion: 2, manifests: [{ digest: d("4"), platform: { os: "linux", architecture: "arm64" } }] });
    expect(readManifestRefs(m, "application/vnd.docker.distribution.manifest.list.v2+json")).toMatchObject({ kind: "index", linuxAmd64Digest: null });
  });

  it("reports schema 1, invalid JSON, arrays and bad config digests as unreadable", () => {
    expect(readManifestRefs("{}", "application/vnd.docker.distribution.manifest.v1+prettyjws").kind).toBe("unreadable");
    expect(readManifestRefs(JSON.stringify({ schemaVersion: 1, fsLayers: [] })).kind).toBe("unreadable");
    expect(readManifestRefs("not json").kind).toBe("unreadable");
    expect(readManifestRefs("[1,2]").kind).toBe("unreadable");
    expect(readManifestRefs(JSON.stringify({ schemaVersion: 2, config: { digest: "sha256:XYZ" } })).kind).toBe("unreadable");
  });
});

describe("image facts", () => {
  const images = [
    { digest: d("a"), tags: ["abc1234"], pushedAt: "2024-01-01T00:00:00Z" },
    { digest: d("b"), tags: ["def5678", "latest"], pushedAt: "2024-02-01T00:00:00Z" },
    { digest: d("c"), tags: [], pushedAt: "2024-03-01T00:00:00Z" },
    { digest: d("e"), tags: [], pushedAt: null },
  ];

  it("counts untagged images and finds the newest push even when it is untagged", () => {
    expect(summarizeImages(images)).toEqual({ imageCount: 4, untaggedCount: 2, latestPushedAt: "2024-03-01T00:00:00Z", latestDigest: d("b") });
  });

  it("handles an empty repository", () => {
    expect(summarizeImages([])).toEqual({ imageCount: 0, untaggedCount: 0, latestPushedAt: null, latestDigest: null });
  });

  it("finds the tagged image exactly (a tag that merely contains 'latest' does not count)", () => {
    expect(findTaggedImage([{ digest: d("a"), tags: ["latest-arm"], pushedAt: null }])).toBeNull();
    expect(findTaggedImage(images)?.digest).toBe(d("b"));
  });

  it("says since when latest points at its image: recorded move wins over push time", () => {
    expect(latestSince(images[1])).toEqual({ at: "2024-02-01T00:00:00Z", source: "push-time" });
    expect(latestSince(images[1], ["garbage", "2024-02-05T00:00:00Z", "2024-02-03T00:00:00Z"])).toEqual({ at: "2024-02-05T00:00:00Z", source: "recorded-move" });
    expect(latestSince(null)).toEqual({ at: null, source: "push-time" });
  });
});

describe("SHA tags", () => {
  it("accepts 7–40 lowercase hex with at least one letter", () => {
    expect(isShaTag("abc1234")).toBe(true);
    expect(isShaTag("a".repeat(40))).toBe(true);
    expect(isShaTag("1234567")).toBe(false);
    expect(isShaTag("ABC1234")).toBe(false);
    expect(isShaTag("abc123")).toBe(false);
    expect(isShaTag("latest")).toBe(false);
    expect(isShaTag("a".repeat(41))).toBe(false);
  });

  it("links a short SHA to GitHub's commit URL and strips a trailing slash", () => {
    expect(commitUrl("https://github.com/", "acme", "mcp-servers", "abc1234")).toBe("https://github.com/acme/mcp-servers/commit/abc1234");
  });

  it("orders tags latest, SHA, others", () => {
    expect(sortTags(["v1", "def5678", "latest", "abc1234"])).toEqual(["latest", "abc1234", "def5678", "v1"]);
  });
});

describe("repository query", () => {
  const rows = [
    { name: "mcp-server-tcp", createdAt: "2024-01-02T00:00:00Z", imageCount: 12, latestPushedAt: "2024-03-01T00:00:00Z" },
    { name: "mcp-server-http", createdAt: "2024-01-01T00:00:00Z", imageCount: 3, latestPushedAt: null },
    { name: "Billing-API", createdAt: null, imageCount: null, latestPushedAt: "2024-04-01T00:00:00Z" },
  ];

  it("falls back to defaults on malformed params and arrays", () => {
    expect(parseRepositoryQuery({ sort: "bogus", page: "-3", perPage: "7", q: ["  tcp ", "x"] })).toEqual({ q: "tcp", sort: "name", dir: "asc", page: 1, perPage: 25 });
    expect(parseRepositoryQuery({ sort: "images" })).toMatchObject({ sort: "images", dir: "desc" });
    expect(needsAllFacts(parseRepositoryQuery({ sort: "pushed" }))).toBe(true);
    expect(needsAllFacts(parseRepositoryQuery({ sort: "created" }))).toBe(false);
  });

  it("searches case-insensitively with all words", () => {
    const r = queryRepositories(rows, parseRepositoryQuery({ q: "SERVER tcp" }));
    expect(r.rows.map((x) => x.name)).toEqual(["mcp-server-tcp"]);
    expect(queryRepositories(rows, parseRepositoryQuery({ q: "billing" })).total).toBe(1);
  });

  it("sorts with unknown values last in both directions", () => {
    const desc = queryRepositories(rows, parseRepositoryQuery({ sort: "images" })).rows.map((x) => x.name);
    expect(desc).toEqual(["mcp-server-tcp", "mcp-server-http", "Billing-API"]);
    const asc = queryRepositories(rows, parseRepositoryQuery({ sort: "images", dir: "asc" })).rows.map((x) => x.name);
    expect(asc).toEqual(["mcp-server-http", "mcp-server-tcp", "Billing-API"]);
    const pushed = queryRepositories(rows, parseRepositoryQuery({ sort: "pushed" })).rows.map((x) => x.name);
    expect(pushed).toEqual(["Billing-API", "mcp-server-tcp", "mcp-server-http"]);
  });

  it("clamps a page past the end to the last page and pages hundreds of rows", () => {
    const many = Array.from({ length: 260 }, (_, i) => ({ name: `repo-${String(i).padStart(3, "0")}`, createdAt: null }));
    const r = queryRepositories(many, parseRepositoryQuery({ page: "99", perPage: "100" }));
    expect(r).toMatchObject({ total: 260, page: 3, pageCount: 3 });
    expect(r.rows).toHaveLength(60);
    expect(r.rows[0].name).toBe("repo-200");
  });

  it("builds hrefs that keep only non-default params", () => {
    const q = parseRepositoryQuery({ q: "mcp", sort: "images" });
    expect(repositoryQueryHref("/registry", q, { page: 2 })).toBe("/registry?q=mcp&sort=images&page=2");
    expect(repositoryQueryHref("/registry", q, { sort: "name", q: "" })).toBe("/registry?dir=desc");
  });
});

describe("image query", () => {
  const images = [
    { digest: d("a"), tags: ["abc1234"], pushedAt: "2024-01-01T00:00:00Z" },
    { digest: d("b"), tags: ["latest", "def5678"], pushedAt: "2024-02-01T00:00:00Z" },
    { digest: d("c"), tags: [], pushedAt: null },
  ];
  it("orders newest first with unknown push times last, filters by tag or digest, and untagged only", () => {
    expect(queryImages(images, parseImageQuery({})).rows.map((i) => i.digest)).toEqual([d("b"), d("a"), d("c")]);
    expect(queryImages(images, parseImageQuery({ tag: "ABC" })).rows.map((i) => i.digest)).toEqual([d("a")]);
    expect(queryImages(images, parseImageQuery({ tag: "cccc" })).rows.map((i) => i.digest)).toEqual([d("c")]);
    expect(queryImages(images, parseImageQuery({ untagged: "1" })).total).toBe(1);
  });
});

describe("format", () => {
  it("shortens digests and formats sizes", () => {
    expect(shortDigest(d("a"))).toBe("sha256:aaaaaaaaaaaa");
    expect(shortDigest(null)).toBe("");
    expect(formatBytes(411)).toBe("411 B");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.00 MB");
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(-1)).toBe("—");
  });
});

describe("repositoryNameFromPath", () => {
  it("takes a decoded segment as it is", () => {
    expect(repositoryNameFromPath("mcp-server-tcp")).toBe("mcp-server-tcp");
    expect(repositoryNameFromPath("team/api")).toBe("team/api");
  });
  it("decodes a still-encoded namespace once", () => {
    expect(repositoryNameFromPath("team%2Fapi")).toBe("team/api");
  });
  it("refuses malformed percent-encoding instead of throwing (a 404, not a 500)", () => {
    expect(repositoryNameFromPath("%E0%A4%A")).toBeNull();
    expect(repositoryNameFromPath("%")).toBeNull();
  });
  it("never decodes twice", () => {
    expect(repositoryNameFromPath("%2541")).toBeNull();
    expect(repositoryNameFromPath("%61pi")).toBe("api");
  });
  it("refuses what cannot be an ECR repository name", () => {
    for (const bad of ["", "a", "API", "../etc", "a//b", "name with space", "x".repeat(257)]) expect(repositoryNameFromPath(bad)).toBeNull();
  });
});
