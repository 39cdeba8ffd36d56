import { BodyTooLargeError, readBody } from "../http-util";
import { authorizedRepo, DIGEST_RE } from "./ecr-common";
import { digestForTag, findImage, sha256Digest } from "./ecr-store";
import { imageOperations } from "./ecr-images";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from "./ecr-manifest";
import { AwsError } from "./errors";
import { acceptedMediaTypes, negotiateManifest } from "./registry-manifest-conversion";
import { registryErrorOf, runAsEcr, type RegistryRequest } from "./registry-call";
import { API_VERSION, discardBody, RegistryError, sendEmpty } from "./registry-http";

/** ECR's manifest size limit (ECR service quotas: "Image manifest size", 4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MANIFEST_TYPES = [DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX];

const manifestUnknown = () => new RegistryError(404, "MANIFEST_UNKNOWN", "Requested image not found");
const imageIdOf = (ref: string) => (ref.startsWith("sha256:") ? { imageDigest: ref } : { imageTag: ref });

/**
 * GET|HEAD /v2/NAME/manifests/REF (ecr:BatchGetImage). GET is a pull: it sets lastRecordedPullTime and leaves a
 * BatchGetImage event (with the Accept header's types as acceptedMediaTypes, as ECR's documented example shows);
 * HEAD only checks. Answers carry Content-Type, Content-Length and Docker-Content-Digest of the bytes served.
 */
export async function getManifest(rq: RegistryRequest, name: string, ref: string): Promise<void> {
  const head = rq.req.method === "HEAD";
  const accepted = acceptedMediaTypes(rq.req.headers.accept);
  const params = { repositoryName: name, imageIds: [imageIdOf(ref)], acceptedMediaTypes: accepted.length ? accepted : undefined };
  let stored: { body: Buffer; mediaType: string; digest: string } | undefined;
  try {
    if (head) {
      stored = await runAsEcr(rq, "BatchGetImage", params, (call) => {
        const repo = authorizedRepo(call, "ecr:BatchGetImage");
        const digest = DIGEST_RE.test(ref) ? ref : digestForTag(call.ctx.db, repo.region, repo.name, ref);
        const image = digest ? findImage(call.ctx.db, repo.region, repo.name, digest) : undefined;
        return image ? { body: Buffer.from(image.manifest, "utf8"), mediaType: image.media_type, digest: image.digest } : undefined;
      }, false);
    } else {
      const out = (await runAsEcr(rq, "BatchGetImage", params, imageOperations.BatchGetImage, true)) as { images: Array<{ imageManifest: string; imageManifestMediaType: string; imageId: { imageDigest: string } }> };
      const image = out.images[0];
      if (image) stored = { body: Buffer.from(image.imageManifest, "utf8"), mediaType: image.imageManifestMediaType, digest: image.imageId.imageDigest };
    }
  } catch (err) {
    throw registryErrorOf(err);
  }
  if (!stored) throw manifestUnknown();
  const served = negotiateManifest(stored, accepted, !DIGEST_RE.test(ref));
  rq.res.writeHead(200, {
    "content-type": served.mediaType,
    "content-length": served.body.length,
    "docker-content-digest": served.converted ? sha256Digest(served.body) : stored.digest,
    etag: `"${served.converted ? sha256Digest(served.body) : stored.digest}"`,
    ...API_VERSION,
  });
  rq.res.end(head ? undefined : served.body);
}

/**
 * PUT /v2/NAME/manifests/REF: the exact bytes go through ECR's own PutImage (ecr:PutImage), so the registry and the
 * API judge a manifest the same way (referenced blobs present, tag immutability, digest check when REF is a digest).
 * Re-putting what a tag already points to succeeds (201) as it does through `docker push`.
 */
export async function putManifest(rq: RegistryRequest, name: string, ref: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(rq.req, MAX_MANIFEST_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      await discardBody(rq.req);
      throw new RegistryError(400, "MANIFEST_INVALID", `manifest invalid: larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    throw err;
  }
  const text = body.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(body)) throw new RegistryError(400, "MANIFEST_INVALID", "manifest invalid: not UTF-8 JSON");
  const contentType = String(rq.req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  const digest = sha256Digest(body);
  const params: Record<string, unknown> = { repositoryName: name, imageManifest: text, imageManifestMediaType: MANIFEST_TYPES.includes(contentType) ? contentType : undefined };
  if (ref.startsWith("sha256:") || ref.includes(":")) params.imageDigest = ref;
  else params.imageTag = ref;
  try {
    await runAsEcr(rq, "PutImage", params, imageOperations.PutImage, true);
  } catch (err) {
    if (!(err instanceof AwsError && err.code === "ImageAlreadyExistsException")) {
      if (err instanceof AwsError && err.code === "InvalidParameterException") {
        if (err.message.includes("'imageTag'")) throw new RegistryError(400, "TAG_INVALID", err.message);
        if (!err.message.includes("'repositoryName'")) throw new RegistryError(400, "MANIFEST_INVALID", err.message);
      }
      throw registryErrorOf(err, {
        LayersNotFoundException: [400, "MANIFEST_BLOB_UNKNOWN"],
        ReferencedImagesNotFoundException: [400, "MANIFEST_BLOB_UNKNOWN"],
        ImageTagAlreadyExistsException: [400, "TAG_INVALID"],
        ImageDigestDoesNotMatchException: [400, "DIGEST_INVALID"],
      });
    }
  }
  sendEmpty(rq.res, 201, { location: `/v2/${name}/manifests/${digest}`, "docker-content-digest": digest });
}

/**
 * DELETE /v2/NAME/manifests/REF (ecr:BatchDeleteImage, 202): by digest the image and all its tags go, by tag only the
 * tag (and the image with its last tag), as BatchDeleteImage does. ECR documents no CloudTrail event for it.
 */
export async function deleteManifest(rq: RegistryRequest, name: string, ref: string): Promise<void> {
  let out: { failures: unknown[] };
  try {
    out = (await runAsEcr(rq, "BatchDeleteImage", { repositoryName: name, imageIds: [imageIdOf(ref)] }, imageOperations.BatchDeleteImage, false)) as { failures: unknown[] };
  } catch (err) {
    throw registryErrorOf(err);
  }
  if (out.failures.length) throw manifestUnknown();
  sendEmpty(rq.res, 202, {});
}

/**
 * GET /v2/NAME/tags/list (ecr:ListImages): tags in lexical order; `n` (0–1000) and `last` page, and a `Link:
 * <…>; rel="next"` header names the next page when there is one (distribution spec, "Content Discovery").
 */
export async function listTags(rq: RegistryRequest, name: string): Promise<void> {
  const q = rq.url.searchParams;
  const nRaw = q.get("n");
  const n = nRaw === null ? 1000 : Number(nRaw);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new RegistryError(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested");
  const last = q.get("last") ?? "";
  let tags: string[];
  try {
    tags = await runAsEcr(rq, "ListImages", { repositoryName: name }, (call) => {
      const repo = authorizedRepo(call, "ecr:ListImages");
      if (n === 0) return [];
      return (call.ctx.db.prepare(`SELECT tag FROM aws_ecr_tags WHERE region = ? AND repo = ? AND tag > ? ORDER BY tag LIMIT ?`).all(repo.region, repo.name, last, n + 1) as { tag: string }[]).map((r) => r.tag);
    }, false);
  } catch (err) {
    throw registryErrorOf(err);
  }
  const page = tags.slice(0, n);
  const headers: Record<string, string | number> = { "content-type": "application/json; charset=utf-8", ...API_VERSION };
  if (tags.length > n) headers.link = `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`;
  const body = JSON.stringify({ name, tags: page });
  headers["content-length"] = Buffer.byteLength(body);
  rq.res.writeHead(200, headers);
  rq.res.end(body);
}
