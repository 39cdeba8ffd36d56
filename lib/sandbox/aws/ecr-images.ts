import type { AwsCall, OperationHandler } from "./call";
import { isTagImmutable } from "./ecr-tag-mutability";
import { ACCOUNT_ID, AwsError } from "./errors";
import { authorizedRepo, decodeToken, DIGEST_RE, encodeToken, invalidParameter, maxResultsOf, param, requireParam } from "./ecr-common";
import { digestForTag, findImage, layerInRepo, sha256Digest, tagsForDigest, type EcrImage, type EcrRepo } from "./ecr-store";
import { DOCKER_MANIFEST_LIST, OCI_INDEX, parseManifest } from "./ecr-manifest";

interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

const TAG_RE = /^[\w][\w.-]{0,299}$/;

const imageIdOf = (id: ImageId) => `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;

type Resolved = { image: EcrImage; tag?: string } | { failureCode: string; failureReason: string };

/** Resolve an ImageIdentifier the way BatchGetImage / BatchDeleteImage report failures. */
function resolveImageId(call: AwsCall, repo: EcrRepo, id: ImageId): Resolved {
  const db = call.ctx.db;
  if (!id.imageDigest && !id.imageTag) return { failureCode: "MissingDigestAndTag", failureReason: "Missing digest and tag" };
  if (id.imageDigest && !DIGEST_RE.test(id.imageDigest)) return { failureCode: "InvalidImageDigest", failureReason: "Invalid image digest" };
  if (id.imageTag && !TAG_RE.test(id.imageTag)) return { failureCode: "InvalidImageTag", failureReason: "Invalid image tag" };
  let digest = id.imageDigest;
  if (id.imageTag) {
    const tagged = digestForTag(db, repo.region, repo.name, id.imageTag);
    if (!tagged) return { failureCode: "ImageNotFound", failureReason: "Requested image not found" };
    if (digest && digest !== tagged) return { failureCode: "ImageTagDoesNotMatchDigest", failureReason: "Tag does not match digest" };
    digest = tagged;
  }
  const image = findImage(db, repo.region, repo.name, digest!);
  if (!image) return { failureCode: "ImageNotFound", failureReason: "Requested image not found" };
  return { image, tag: id.imageTag };
}

function imageIdsParam(call: AwsCall): ImageId[] {
  const ids = requireParam<ImageId[]>(call, "imageIds");
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) throw invalidParameter("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length between 1 and 100'");
  return ids;
}

export interface StoredImageInput {
  region: string;
  repo: string;
  manifest: string;
  mediaType: string;
  artifactMediaType: string | null;
  size: number;
  pushedMs: number;
}

/** Insert an image row (if new) and point a tag at it. Shared by PutImage and the seed. */
export function storeImage(call: Pick<AwsCall, "ctx">, img: StoredImageInput, tag: string | undefined): string {
  const digest = sha256Digest(Buffer.from(img.manifest, "utf8"));
  const db = call.ctx.db;
  db.prepare(
    `INSERT OR IGNORE INTO aws_ecr_images (region, repo, digest, manifest, media_type, artifact_media_type, size, pushed_ms, last_pull_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
  ).run(img.region, img.repo, digest, img.manifest, img.mediaType, img.artifactMediaType, img.size, img.pushedMs);
  if (tag) db.prepare(`INSERT INTO aws_ecr_tags (region, repo, tag, digest) VALUES (?, ?, ?, ?) ON CONFLICT(region, repo, tag) DO UPDATE SET digest = excluded.digest`).run(img.region, img.repo, tag, digest);
  return digest;
}

function describeRows(call: AwsCall, repo: EcrRepo, where: string, args: unknown[], limit: number) {
  return call.ctx.db
    .prepare(
      `SELECT i.*, (SELECT group_concat(t.tag, char(31)) FROM aws_ecr_tags t INDEXED BY aws_ecr_tags_digest WHERE t.region = i.region AND t.repo = i.repo AND t.digest = i.digest) AS tags
       FROM aws_ecr_images i WHERE i.region = ? AND i.repo = ? ${where} ORDER BY i.digest LIMIT ?`,
    )
    .all(repo.region, repo.name, ...args, limit) as Array<EcrImage & { tags: string | null }>;
}

/**
 * The `subject` digest of a referrer manifest (OCI image-spec manifest.md "subject", OCI 1.1), which DescribeImages
 * reports as `subjectManifestDigest` ("The digest of the subject manifest for images that are referrers", ECR API
 * reference, ImageDetail); undefined for manifests without one.
 */
function subjectOf(manifest: string): string | undefined {
  try {
    const subject = (JSON.parse(manifest) as { subject?: { digest?: unknown } }).subject;
    return typeof subject?.digest === "string" && DIGEST_RE.test(subject.digest) ? subject.digest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Digests of `repo`'s images that an image index / manifest list of the same repository lists. ECR refuses to delete
 * them (BatchDeleteImage failure `ImageReferencedByManifestList`, "Requested image referenced by manifest list") until
 * the index is gone.
 */
function digestsReferencedByIndexes(call: AwsCall, repo: EcrRepo): Set<string> {
  const rows = call.ctx.db
    .prepare(`SELECT manifest FROM aws_ecr_images WHERE region = ? AND repo = ? AND media_type IN (?, ?)`)
    .all(repo.region, repo.name, OCI_INDEX, DOCKER_MANIFEST_LIST) as { manifest: string }[];
  const out = new Set<string>();
  for (const r of rows) {
    try {
      const manifests = (JSON.parse(r.manifest) as { manifests?: Array<{ digest?: unknown }> }).manifests ?? [];
      for (const m of manifests) if (typeof m.digest === "string") out.add(m.digest);
    } catch {
      // Stored indexes were parsed at PutImage; nothing to add for one that is not JSON.
    }
  }
  return out;
}

function imageDetail(row: EcrImage & { tags: string | null }) {
  return {
    registryId: ACCOUNT_ID,
    repositoryName: row.repo,
    imageDigest: row.digest,
    imageTags: row.tags ? row.tags.split("\x1f").sort() : undefined,
    imageSizeInBytes: row.size,
    imagePushedAt: new Date(row.pushed_ms),
    imageManifestMediaType: row.media_type,
    artifactMediaType: row.artifact_media_type ?? undefined,
    lastRecordedPullTime: row.last_pull_ms === null ? undefined : new Date(row.last_pull_ms),
    subjectManifestDigest: subjectOf(row.manifest),
  };
}

function tagStatusClause(call: AwsCall): string {
  const status = param<{ tagStatus?: string }>(call, "filter")?.tagStatus ?? "ANY";
  const exists = `EXISTS (SELECT 1 FROM aws_ecr_tags t INDEXED BY aws_ecr_tags_digest WHERE t.region = i.region AND t.repo = i.repo AND t.digest = i.digest)`;
  if (status === "TAGGED") return `AND ${exists}`;
  if (status === "UNTAGGED") return `AND NOT ${exists}`;
  if (status === "ANY") return "";
  throw invalidParameter(`Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'`);
}

export const imageOperations: Record<string, OperationHandler> = {
  PutImage(call) {
    const repo = authorizedRepo(call, "ecr:PutImage");
    const manifest = requireParam<string>(call, "imageManifest");
    const tag = param<string>(call, "imageTag");
    if (tag !== undefined && !TAG_RE.test(tag)) throw invalidParameter("Invalid parameter at 'imageTag' failed to satisfy constraint: 'Member must satisfy regular expression pattern'");
    const digest = sha256Digest(Buffer.from(manifest, "utf8"));
    const givenDigest = param<string>(call, "imageDigest");
    if (givenDigest && givenDigest !== digest)
      throw new AwsError("ImageDigestDoesNotMatchException", `Provided image digest '${givenDigest}' does not match the calculated digest '${digest}'`, 400);
    const info = parseManifest(manifest, param<string>(call, "imageManifestMediaType"));
    if ("error" in info) throw invalidParameter(info.error);
    const db = call.ctx.db;
    if (info.kind === "image") {
      const missing = [info.config, ...info.layers].map((d) => d.digest).filter((d) => !DIGEST_RE.test(d) || !layerInRepo(db, repo.region, repo.name, d));
      if (missing.length)
        throw new AwsError("LayersNotFoundException", `Layers with digests '[${[...new Set(missing)].join(", ")}]' required for pushing image into repository with name '${repo.name}' in the registry with id '${ACCOUNT_ID}' do not exist`, 400);
    } else {
      const missing = info.manifests.map((m) => m.digest).filter((d) => !findImage(db, repo.region, repo.name, d));
      if (missing.length)
        throw new AwsError("ReferencedImagesNotFoundException", `Manifest references image digests that do not exist in the repository: [${missing.join(", ")}]`, 400);
    }
    const existing = findImage(db, repo.region, repo.name, digest);
    if (tag) {
      const current = digestForTag(db, repo.region, repo.name, tag);
      if (current === digest)
        throw new AwsError("ImageAlreadyExistsException", `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repo.name}' in registry with id '${ACCOUNT_ID}'`, 400);
      if (current && isTagImmutable(repo, tag))
        throw new AwsError("ImageTagAlreadyExistsException", `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`, 400);
    } else if (existing) {
      throw new AwsError("ImageAlreadyExistsException", `Image with digest '${digest}' already exists in the repository with name '${repo.name}' in registry with id '${ACCOUNT_ID}'`, 400);
    }
    let size: number;
    let artifact: string | null = null;
    if (info.kind === "image") {
      size = info.size;
      artifact = info.config.mediaType ?? null;
    } else {
      size = Math.max(0, ...info.manifests.map((m) => findImage(db, repo.region, repo.name, m.digest)?.size ?? 0));
    }
    db.transaction(() => storeImage(call, { region: repo.region, repo: repo.name, manifest, mediaType: info.mediaType, artifactMediaType: artifact, size, pushedMs: call.now.getTime() }, tag))();
    return { image: { registryId: ACCOUNT_ID, repositoryName: repo.name, imageId: { imageDigest: digest, imageTag: tag }, imageManifest: manifest, imageManifestMediaType: info.mediaType } };
  },

  BatchGetImage(call) {
    const repo = authorizedRepo(call, "ecr:BatchGetImage");
    const images: unknown[] = [];
    const failures: unknown[] = [];
    const pulled = new Set<string>();
    for (const id of imageIdsParam(call)) {
      const r = resolveImageId(call, repo, id);
      if ("failureCode" in r) {
        failures.push({ imageId: id, failureCode: r.failureCode, failureReason: r.failureReason });
        continue;
      }
      pulled.add(r.image.digest);
      images.push({ registryId: ACCOUNT_ID, repositoryName: repo.name, imageId: { imageDigest: r.image.digest, imageTag: r.tag }, imageManifest: r.image.manifest, imageManifestMediaType: r.image.media_type });
    }
    // A manifest fetch is a pull: ECR records it as lastRecordedPullTime.
    const mark = call.ctx.db.prepare(`UPDATE aws_ecr_images SET last_pull_ms = ? WHERE region = ? AND repo = ? AND digest = ?`);
    for (const d of pulled) mark.run(call.now.getTime(), repo.region, repo.name, d);
    return { images, failures };
  },

  DescribeImages(call) {
    const repo = authorizedRepo(call, "ecr:DescribeImages");
    const ids = param<ImageId[]>(call, "imageIds");
    if (ids && ids.length) {
      if (call.params.nextToken !== undefined || call.params.maxResults !== undefined)
        throw invalidParameter("Invalid parameter at 'maxResults' failed to satisfy constraint: 'maxResults and nextToken cannot be used with imageIds'");
      const details = ids.map((id) => {
        const r = resolveImageId(call, repo, id);
        if ("failureCode" in r) {
          if (r.failureCode === "ImageNotFound" || r.failureCode === "ImageTagDoesNotMatchDigest")
            throw new AwsError("ImageNotFoundException", `The image with imageId ${imageIdOf(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${ACCOUNT_ID}'`, 400);
          throw invalidParameter(`Invalid parameter at 'imageIds' failed to satisfy constraint: '${r.failureReason}'`);
        }
        return describeRows(call, repo, "AND i.digest = ?", [r.image.digest], 1)[0];
      });
      const unique = [...new Map(details.map((d) => [d.digest, d])).values()];
      return { imageDetails: unique.map(imageDetail) };
    }
    const max = maxResultsOf(call, 100);
    const scope = `images:${repo.region}:${repo.name}`;
    const after = decodeToken<string>(call.params.nextToken, scope) ?? "";
    const rows = describeRows(call, repo, `AND i.digest > ? ${tagStatusClause(call)}`, [after], max + 1);
    const page = rows.slice(0, max);
    return { imageDetails: page.map(imageDetail), nextToken: rows.length > max ? encodeToken(scope, page[page.length - 1].digest) : undefined };
  },

  ListImages(call) {
    const repo = authorizedRepo(call, "ecr:ListImages");
    const max = maxResultsOf(call, 100);
    const scope = `list:${repo.region}:${repo.name}`;
    const after = decodeToken<[string, string]>(call.params.nextToken, scope) ?? ["", ""];
    // One entry per tag, plus one digest-only entry per untagged image; keyset paging on (digest, tag).
    const rows = call.ctx.db
      .prepare(
        `SELECT digest, tag FROM (
           SELECT i.digest AS digest, coalesce(t.tag, '') AS tag FROM aws_ecr_images i
           LEFT JOIN aws_ecr_tags t ON t.region = i.region AND t.repo = i.repo AND t.digest = i.digest
           WHERE i.region = ? AND i.repo = ? ${tagStatusClause(call)})
         WHERE digest > ? OR (digest = ? AND tag > ?) ORDER BY digest, tag LIMIT ?`,
      )
      .all(repo.region, repo.name, after[0], after[0], after[1], max + 1) as { digest: string; tag: string }[];
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return { imageIds: page.map((r) => ({ imageDigest: r.digest, imageTag: r.tag || undefined })), nextToken: rows.length > max ? encodeToken(scope, [last.digest, last.tag]) : undefined };
  },

  BatchDeleteImage(call) {
    const repo = authorizedRepo(call, "ecr:BatchDeleteImage");
    const db = call.ctx.db;
    const imageIds: ImageId[] = [];
    const failures: unknown[] = [];
    const ids = imageIdsParam(call);
    // Judged on the repository as the request found it: an index and its entry named in one request delete the index
    // and refuse the entry (a second request deletes it).
    const referenced = digestsReferencedByIndexes(call, repo);
    db.transaction(() => {
      for (const id of ids) {
        const r = resolveImageId(call, repo, id);
        if ("failureCode" in r) {
          failures.push({ imageId: id, failureCode: r.failureCode, failureReason: r.failureReason });
          continue;
        }
        const digest = r.image.digest;
        if (id.imageTag && !id.imageDigest) {
          // Removing a tag; the image goes when its last tag does, unless an index still lists it.
          db.prepare(`DELETE FROM aws_ecr_tags WHERE region = ? AND repo = ? AND tag = ?`).run(repo.region, repo.name, id.imageTag);
          imageIds.push({ imageDigest: digest, imageTag: id.imageTag });
          if (tagsForDigest(db, repo.region, repo.name, digest).length === 0 && !referenced.has(digest))
            db.prepare(`DELETE FROM aws_ecr_images WHERE region = ? AND repo = ? AND digest = ?`).run(repo.region, repo.name, digest);
        } else if (referenced.has(digest)) {
          failures.push({ imageId: id, failureCode: "ImageReferencedByManifestList", failureReason: "Requested image referenced by manifest list" });
        } else {
          const tags = tagsForDigest(db, repo.region, repo.name, digest);
          db.prepare(`DELETE FROM aws_ecr_tags WHERE region = ? AND repo = ? AND digest = ?`).run(repo.region, repo.name, digest);
          db.prepare(`DELETE FROM aws_ecr_images WHERE region = ? AND repo = ? AND digest = ?`).run(repo.region, repo.name, digest);
          if (tags.length) for (const t of tags) imageIds.push({ imageDigest: digest, imageTag: t });
          else imageIds.push({ imageDigest: digest });
        }
      }
    })();
    return { imageIds, failures };
  },
};
