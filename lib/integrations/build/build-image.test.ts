import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, dockerBuildxArgs, featureArgs, type BuildResult } from "./build-image";
import { detectBuilder, type Builder } from "./detect-builder";
import { CommandError } from "./run-streaming";

const SOURCE_DATE = 1_700_000_000;
let root: string;
let builder: Builder;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-build-"));
  builder = await detectBuilder({ preference: "buildah" });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function makeContext(files: Record<string, string>): string {
  const dir = path.join(root, `ctx-${n++}`);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function build(context: string, over: Partial<Parameters<typeof buildImage>[0]> = {}): Promise<BuildResult> {
  return buildImage({
    builder,
    context,
    dockerfile: path.join(context, "Dockerfile"),
    sourceDate: SOURCE_DATE,
    workDir: path.join(root, `work-${n++}`),
    ...over,
  });
}

/** File entries (name, mode, mtime) of a gzipped tar layer, read from the raw ustar headers. */
function listLayer(file: string): { name: string; mode: number; mtime: number }[] {
  const tar = zlib.gunzipSync(fs.readFileSync(file));
  const out: { name: string; mode: number; mtime: number }[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) => header.subarray(start, start + len).toString("utf8").replace(/\0.*$/s, "").trim();
    const size = parseInt(field(124, 12) || "0", 8);
    out.push({ name: field(345, 155) + field(0, 100), mode: parseInt(field(100, 8), 8) & 0o7777, mtime: parseInt(field(136, 12), 8) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const sha256 = (b: Buffer) => "sha256:" + crypto.createHash("sha256").update(b).digest("hex");

describe("buildImage with buildah", () => {
  it("is reproducible across wall-clock time, mtimes and umask, and sensitive to content", async () => {
    const files = { Dockerfile: "FROM scratch\nCOPY . /app/\n", "app.txt": "hello\n", "bin/run.sh": "#!/bin/sh\necho hi\n" };
    const ctx1 = makeContext(files);
    fs.chmodSync(path.join(ctx1, "bin/run.sh"), 0o755);
    const lines: string[] = [];
    const started = Date.now();
    const first = await build(ctx1, { onLine: (l) => lines.push(l) });

    // Same sources, checked out elsewhere with another umask and other mtimes, built at a later second.
    const ctx2 = makeContext(files);
    fs.chmodSync(path.join(ctx2, "app.txt"), 0o664);
    fs.chmodSync(path.join(ctx2, "bin"), 0o775);
    fs.chmodSync(path.join(ctx2, "bin/run.sh"), 0o775);
    fs.utimesSync(path.join(ctx2, "app.txt"), new Date("2001-01-01"), new Date("2001-01-01"));
    const wait = 1100 - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const second = await build(ctx2);

    expect(second.configDigest).toBe(first.configDigest);
    expect(second.manifestDigest).toBe(first.manifestDigest);
    expect(second.manifestBytes.equals(first.manifestBytes)).toBe(true);

    const changed = makeContext({ ...files, "app.txt": "hello!\n" });
    fs.chmodSync(path.join(changed, "bin/run.sh"), 0o755);
    const third = await build(changed);
    expect(third.configDigest).not.toBe(first.configDigest);
    expect(third.manifestDigest).not.toBe(first.manifestDigest);

    const later = await build(ctx1, { sourceDate: SOURCE_DATE + 60 });
    expect(later.configDigest).not.toBe(first.configDigest);

    // The build output was streamed line by line.
    expect(lines.some((l) => /COPY \. \/app\//.test(l))).toBe(true);
  });

  it("returns the exact manifest, its config and layer blobs, with source-date times inside", async () => {
    const ctx = makeContext({ Dockerfile: "FROM scratch\nCOPY a.txt /a.txt\n", "a.txt": "a\n" });
    fs.chmodSync(path.join(ctx, "a.txt"), 0o600);
    const image = await build(ctx);
    expect(image.manifestMediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(sha256(image.manifestBytes)).toBe(image.manifestDigest);
    const manifest = JSON.parse(image.manifestBytes.toString("utf8"));
    expect(manifest.config.digest).toBe(image.configDigest);
    expect(image.blobs.map((b) => b.digest)).toEqual([manifest.config.digest, ...manifest.layers.map((l: { digest: string }) => l.digest)]);
    for (const blob of image.blobs) {
      const bytes = fs.readFileSync(blob.path);
      expect(sha256(bytes)).toBe(blob.digest);
      expect(bytes.length).toBe(blob.size);
    }
    const config = JSON.parse(fs.readFileSync(image.blobs[0].path, "utf8"));
    expect(image.blobs[0].mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(config.created).toBe(new Date(SOURCE_DATE * 1000).toISOString().replace(".000", ""));
    expect(config.architecture).toBe("amd64");
    expect(config.config.Labels?.["io.buildah.version"]).toBeUndefined();
    const entries = listLayer(image.blobs[1].path);
    expect(entries.map((e) => e.name)).toContain("a.txt");
    for (const e of entries) expect(e.mtime).toBe(SOURCE_DATE);
    // 0600 in the checkout is 0644 in the image: git records only the execute bit.
    expect(entries.find((e) => e.name === "a.txt")?.mode).toBe(0o644);
    // Only the OCI layout is left behind.
    expect(fs.readdirSync(path.dirname(image.layoutDir))).toEqual(["oci"]);
  });

  it("builds an inline Dockerfile from outside the context, with labels, for another platform (no RUN step)", async () => {
    const ctx = makeContext({ "001_init.sql": "create table t(id int);\n", Dockerfile: "FROM scratch\nCOPY nothing-here /x\n" });
    const lines: string[] = [];
    const image = await build(ctx, {
      dockerfile: path.join(ctx, "ignored"),
      features: { dockerfileInline: "FROM scratch\nCOPY 001_init.sql /migrations/001_init.sql\n", labels: { team: "shop" }, noCache: true, platform: "linux/arm64" },
      onLine: (l) => lines.push(l),
    });
    const config = JSON.parse(fs.readFileSync(image.blobs[0].path, "utf8"));
    expect(config.architecture).toBe("arm64");
    expect(config.os).toBe("linux");
    expect(config.config.Labels).toEqual({ team: "shop" });
    expect(listLayer(image.blobs[1].path).map((e) => e.name)).toContain("migrations/001_init.sql");
    expect(lines.join("\n")).toContain("--platform linux/arm64");
    // Nothing was written into the checkout's context, and only the layout is left in the work dir.
    expect(fs.readdirSync(ctx).sort()).toEqual(["001_init.sql", "Dockerfile"]);
    expect(fs.readdirSync(path.dirname(image.layoutDir))).toEqual(["oci"]);
  });

  it("passes additional contexts and secret files: the secret is mounted for RUN only, never in a layer or the log; links out are refused", async () => {
    const repo = makeContext({
      "app/Dockerfile":
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY --from=shared lib.txt /lib.txt\n" +
        'RUN --mount=type=secret,id=npm ["/bin/busybox", "sh", "-c", "/bin/busybox wc -c < /run/secrets/npm > /secret-size"]\n',
      "shared/lib.txt": "shared\n",
      "npmrc": "s3cr3t-token-value\n",
    });
    fs.copyFileSync("/bin/busybox", path.join(repo, "app", "busybox"));
    const lines: string[] = [];
    const features = { additionalContexts: { shared: "shared" }, secrets: [{ id: "npm", file: "npmrc" }] };
    const image = await build(path.join(repo, "app"), { root: repo, features, onLine: (l) => lines.push(l) });
    const names = image.blobs.slice(1).flatMap((b) => listLayer(b.path).map((e) => e.name));
    expect(names).toContain("lib.txt");
    expect(names).toContain("secret-size");
    // buildah leaves the mount point's directory (run/secrets/, empty); no file of it is in a layer.
    expect(names.filter((n) => n.startsWith("run/secrets/") && n !== "run/secrets/")).toEqual([]);
    expect(fs.readFileSync(image.blobs[0].path).includes("s3cr3t-token-value")).toBe(false);
    for (const b of image.blobs.slice(1)) expect(zlib.gunzipSync(fs.readFileSync(b.path)).includes("s3cr3t-token-value")).toBe(false);
    expect(lines.join("\n")).not.toContain("s3cr3t-token-value");
    expect(fs.readdirSync(path.dirname(image.layoutDir))).toEqual(["oci"]);

    // An id or name that would smuggle another source into the builder's flags is refused before anything runs.
    await expect(build(path.join(repo, "app"), { root: repo, features: { secrets: [{ id: "npm,src=/etc/shadow", file: "npmrc" }] } })).rejects.toThrow(/build secret id .* refused/);
    await expect(build(path.join(repo, "app"), { root: repo, features: { additionalContexts: { "a=b": "shared" } } })).rejects.toThrow(/additional context name .* refused/);
    fs.symlinkSync("/etc", path.join(repo, "etc-link"));
    await expect(build(path.join(repo, "app"), { root: repo, features: { additionalContexts: { shared: "etc-link" } } })).rejects.toThrow(/etc-link/);
  }, 120_000);

  it("passes build args and target, and finds a Dockerfile outside the context", async () => {
    const repo = makeContext({
      "docker/app.Dockerfile": "FROM scratch AS one\nARG WHICH\nCOPY ${WHICH}.txt /x\nFROM scratch AS two\nCOPY b.txt /y\n",
      "app/a.txt": "A",
      "app/b.txt": "B",
    });
    const opts = { root: repo, dockerfile: path.join(repo, "docker/app.Dockerfile") };
    const one = await build(path.join(repo, "app"), { ...opts, target: "one", args: { WHICH: "a" } });
    const oneB = await build(path.join(repo, "app"), { ...opts, target: "one", args: { WHICH: "b" } });
    const two = await build(path.join(repo, "app"), { ...opts, target: "two", args: { WHICH: "a" } });
    expect(listLayer(one.blobs[1].path).map((e) => e.name)).toEqual(["x"]);
    expect(listLayer(two.blobs[1].path).map((e) => e.name)).toEqual(["y"]);
    expect(new Set([one.configDigest, oneB.configDigest, two.configDigest]).size).toBe(3);
  });

  it("fails with the builder's output for a bad Dockerfile, and cleans up", async () => {
    const ctx = makeContext({ Dockerfile: "FROM scratch\nCOPY missing.txt /m\n" });
    const workDir = path.join(root, "work-fail");
    const lines: string[] = [];
    const err = await buildImage({ builder, context: ctx, dockerfile: path.join(ctx, "Dockerfile"), sourceDate: SOURCE_DATE, workDir, onLine: (l) => lines.push(l) }).catch((e) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err.message).toMatch(/buildah failed \(exit code \d+\)[\s\S]*missing\.txt/);
    expect(lines.some((l) => /missing\.txt/.test(l))).toBe(true);
    expect(fs.readdirSync(workDir)).toEqual([]);
    await expect(build(ctx, { dockerfile: path.join(ctx, "Nope.Dockerfile") })).rejects.toThrow(/Dockerfile not found: .*Nope\.Dockerfile/);
  });
});

describe("buildah itself (guards the README's findings for this buildah version)", () => {
  it("--timestamp alone sets every layer file's mtime, but keeps permissions as found", async () => {
    const ctx = makeContext({ Dockerfile: "FROM scratch\nCOPY . /c/\n", "f.txt": "f" });
    fs.chmodSync(path.join(ctx, "f.txt"), 0o640);
    const work = path.join(root, "raw-buildah");
    const b = (...args: string[]) =>
      execFileSync(builder.path, ["--storage-driver", "vfs", "--root", path.join(work, "root"), "--runroot", path.join(work, "run"), ...args], { stdio: "pipe" });
    b("build", "--isolation", "chroot", "--timestamp", String(SOURCE_DATE), "-t", "localhost/raw:t", ctx);
    b("push", "localhost/raw:t", `oci:${path.join(work, "oci")}:t`);
    const index = JSON.parse(fs.readFileSync(path.join(work, "oci", "index.json"), "utf8"));
    const manifest = JSON.parse(fs.readFileSync(path.join(work, "oci", "blobs", "sha256", index.manifests[0].digest.slice(7)), "utf8"));
    const entries = listLayer(path.join(work, "oci", "blobs", "sha256", manifest.layers[0].digest.slice(7)));
    const file = entries.find((e) => e.name === "c/f.txt");
    expect(file?.mtime).toBe(SOURCE_DATE);
    expect(file?.mode).toBe(0o640);
    fs.rmSync(work, { recursive: true, force: true });
  });
});

describe("buildImage cancellation", () => {
  it("stops the builder when the job is cancelled and cleans up", async () => {
    const ctx = makeContext({ Dockerfile: "FROM scratch\nCOPY . /app/\n", "a.txt": "a" });
    const workDir = path.join(root, "work-cancel");
    const controller = new AbortController();
    const lines: string[] = [];
    const pending = buildImage({
      builder,
      context: ctx,
      dockerfile: path.join(ctx, "Dockerfile"),
      sourceDate: SOURCE_DATE,
      workDir,
      signal: controller.signal,
      // Abort as soon as buildah has started talking.
      onLine: (l) => {
        lines.push(l);
        if (lines.length === 2) controller.abort();
      },
    });
    await expect(pending).rejects.toThrow(/cancelled/);
    expect(fs.readdirSync(workDir)).toEqual([]);
  });
});

describe("dockerBuildxArgs", () => {
  it("asks for OCI output with rewritten timestamps and no attestations", () => {
    const args = dockerBuildxArgs({ dockerfile: "/c/Dockerfile", context: "/c", layoutDir: "/w/oci", target: "t", args: { A: "1" }, sourceDate: 5 });
    expect(args.slice(0, 2)).toEqual(["buildx", "build"]);
    expect(args).toContain("--provenance=false");
    expect(args).toContain("--sbom=false");
    expect(args.join(" ")).toContain("--build-arg SOURCE_DATE_EPOCH=5 --build-arg A=1 --target t -f /c/Dockerfile");
    expect(args).toContain("type=oci,dest=/w/oci,tar=false,rewrite-timestamp=true");
    expect(args.at(-1)).toBe("/c");
  });
  it("passes platform, labels, no_cache and pull", () => {
    const features = { platform: "linux/arm64", labels: { a: "1 2" }, noCache: true, pull: true };
    expect(featureArgs(features, "docker")).toEqual(["--platform", "linux/arm64", "--label", "a=1 2", "--no-cache", "--pull"]);
    expect(featureArgs(features, "buildah").at(-1)).toBe("--pull=always");
    expect(featureArgs({}, "buildah")).toEqual([]);
    const args = dockerBuildxArgs({ dockerfile: "/c/Dockerfile", context: "/c", layoutDir: "/w/oci", sourceDate: 5, features });
    expect(args.join(" ")).toContain("--platform linux/arm64 --label a=1 2 --no-cache --pull -f /c/Dockerfile");
  });
});
