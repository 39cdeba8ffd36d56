import { createHash, randomBytes } from "node:crypto";
import type { SandboxContext } from "../context";
import { buildTrailEvent } from "./cloudtrail-event";
import { insertTrailEventsStatement } from "./cloudtrail-store";
import { markLayerAvailable, repoArn, writeBlob } from "./ecr-store";
import { OCI_MANIFEST } from "./ecr-manifest";
import { buildLayer } from "./seed-images";
import { DAY_MS, seedInlinePolicy, seedKey, seedUser } from "./seed-iam";
import { GUIDE_PUSH_ACTIONS, policyDocumentText } from "./guide-policy";
import { findUser, userArn } from "./iam-store";

export const LARGE_REPOS = 200;
export const LARGE_IMAGES = 100_000;
export const LARGE_EVENTS = 20_000;
const LARGE_USER = "bench-pusher";

const OPS = ["GetAuthorizationToken", "DescribeImages", "BatchCheckLayerAvailability", "InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage", "BatchGetImage", "DescribeRepositories"];

/**
 * The benchmark account: 200 repositories holding 100,000 images and 20,000 CloudTrail events, seeded in
 * one transaction. Images share three layer blobs and one config blob per repository, but every manifest
 * is a real OCI manifest (unique through its revision annotation) whose digest is the sha256 of its bytes.
 */
export function seedLargeAccount(ctx: SandboxContext, o: { now: number; region: string }): void {
  const db = ctx.db;
  // A bigger page cache keeps 100,000 random-key index inserts from thrashing.
  db.pragma("cache_size = -65536");
  seedUser(db, LARGE_USER, o.now - 200 * DAY_MS);
  seedInlinePolicy(db, LARGE_USER, "ecr-push-policy", policyDocumentText(GUIDE_PUSH_ACTIONS));
  const key = seedKey(db, LARGE_USER, o.now - 95 * DAY_MS, { ms: o.now - 3600_000, service: "ecr", region: o.region });
  const user = findUser(db, LARGE_USER)!;
  const principal = { kind: "user" as const, accessKeyId: key.accessKeyId, userName: user.user_name, userId: user.user_id, arn: userArn(user) };

  const mtime = Math.floor((o.now - 180 * DAY_MS) / 1000);
  const layers = [0, 1, 2].map((i) => buildLayer(ctx, [{ name: `layer${i}/README`, content: `benchmark layer ${i}\n` }], mtime));
  const insertRepo = db.prepare(`INSERT INTO aws_ecr_repos (region, name, created_ms, tag_mutability, scan_on_push, encryption_type) VALUES (?, ?, ?, 'MUTABLE', 0, 'AES256')`);
  const insertImage = db.prepare(
    `INSERT INTO aws_ecr_images (region, repo, digest, manifest, media_type, artifact_media_type, size, pushed_ms, last_pull_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
  );
  const insertTag = db.prepare(`INSERT INTO aws_ecr_tags (region, repo, tag, digest) VALUES (?, ?, ?, ?)`);
  const perRepo = LARGE_IMAGES / LARGE_REPOS;
  const size = layers.reduce((n, l) => n + l.size, 0);
  const repos: string[] = [];
  for (let r = 0; r < LARGE_REPOS; r++) {
    const name = `bench/service-${String(r).padStart(3, "0")}`;
    repos.push(name);
    insertRepo.run(o.region, name, o.now - 180 * DAY_MS);
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["/bin/service"] }, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) } }));
    const configDigest = writeBlob(ctx, config);
    markLayerAvailable(db, o.region, name, configDigest, config.length);
    for (const l of layers) markLayerAvailable(db, o.region, name, l.digest, l.size);
    const configDesc = { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: configDigest };
    const layerDescs = layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: l.size, digest: l.digest }));
    // Insert in key order: appending to the B-trees is far cheaper than 100,000 random-position inserts.
    const used = new Set<string>();
    const rows: Array<{ digest: string; manifest: string; tag: string; pushed: number }> = [];
    // Same bytes JSON.stringify would give, built once per repository (the seed must take seconds).
    const prefix = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: layerDescs }).slice(0, -1) + ',"annotations":{"org.opencontainers.image.revision":"';
    const random = randomBytes(perRepo * 4 + 64).toString("hex");
    let cursor = 0;
    for (let i = 0; i < perRepo; i++) {
      let sha = random.slice(cursor, cursor + 7);
      cursor += 8;
      while (used.has(sha)) sha = randomBytes(4).toString("hex").slice(0, 7);
      used.add(sha);
      const manifest = `${prefix}${sha}${i.toString(16)}"}}`;
      rows.push({ digest: `sha256:${createHash("sha256").update(manifest).digest("hex")}`, manifest, tag: sha, pushed: o.now - (perRepo - i) * 4 * 3600_000 });
    }
    const latest = rows[rows.length - 1].digest;
    for (const r of [...rows].sort((a, b) => (a.digest < b.digest ? -1 : 1))) insertImage.run(o.region, name, r.digest, r.manifest, OCI_MANIFEST, configDesc.mediaType, size, r.pushed);
    for (const r of [...rows].sort((a, b) => (a.tag < b.tag ? -1 : 1))) insertTag.run(o.region, name, r.tag, r.digest);
    insertTag.run(o.region, name, "latest", latest);
  }

  const insertEvent = insertTrailEventsStatement(db);
  const span = 90 * DAY_MS;
  for (let i = 0; i < LARGE_EVENTS; i++) {
    const op = OPS[i % OPS.length];
    const repo = repos[i % repos.length];
    const time = o.now - span + Math.floor((span * i) / LARGE_EVENTS);
    const failed = i % 97 === 0;
    insertEvent.run(
      buildTrailEvent({
        principal,
        service: "ecr",
        operation: op,
        region: o.region,
        time: new Date(time),
        sourceIp: `20.42.${i % 256}.${1 + (i % 250)}`,
        userAgent: "aws-sdk-js/3.600.0 ua/2.0 os/linux#6.5.0 lang/js md/nodejs#20.11.1 api/ecr#3.600.0",
        requestParameters: op === "GetAuthorizationToken" ? null : { repositoryName: repo },
        responseElements: null,
        error: failed ? { code: "ThrottlingException", message: "Rate exceeded" } : undefined,
        resources: op === "GetAuthorizationToken" ? [] : [{ type: "AWS::ECR::Repository", name: repo, arn: repoArn(o.region, repo) }],
      }),
    );
  }
}
