import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { AwsCall } from "./call";
import { ACCOUNT_ID, AwsError } from "./errors";
import { authorizedRepo, DIGEST_RE, invalidParameter } from "./ecr-common";
import { blobSize, layerInRepo, markLayerAvailable, moveFileToBlob, uploadsDir, type EcrRepo } from "./ecr-store";
import { layerOperations } from "./ecr-layers";
import { accountSetting } from "./registry-account-settings";
import { ecrCallFor, registryErrorOf, runAsEcr, type RegistryRequest } from "./registry-call";
import { discardBody, RegistryError, sendEmpty } from "./registry-http";

/**
 * Blob uploads through /v2 (distribution spec, "Push"): POST starts a session (ecr:InitiateLayerUpload), PATCH appends
 * a chunk (ecr:UploadLayerPart), PUT ?digest= closes it (ecr:CompleteLayerUpload) after checking the digest, and a
 * POST with ?digest= does all three at once. Sessions are the ECR API's own upload sessions (same table, same files),
 * so the API's uploads and the registry's are one store. Unlike UploadLayerPart, the registry takes chunks of any size
 * and streams them to disk. Each step leaves the ECR API event ECR's user guide lists for a push.
 */

interface UploadRow {
  upload_id: string;
  region: string;
  repo: string;
  received: number;
}

const uploadFile = (rq: RegistryRequest, id: string) => path.join(uploadsDir(rq.ctx), id);
const uploadLocation = (name: string, id: string) => `/v2/${name}/blobs/uploads/${id}`;
const rangeOf = (received: number) => `0-${Math.max(0, received - 1)}`;
const uploadHeaders = (name: string, id: string, received: number) => ({ location: uploadLocation(name, id), range: rangeOf(received), "docker-upload-uuid": id });

function findUpload(call: AwsCall, repo: EcrRepo, id: string): UploadRow {
  const u = call.ctx.db.prepare(`SELECT upload_id, region, repo, received FROM aws_ecr_uploads WHERE upload_id = ? AND region = ? AND repo = ?`).get(id, repo.region, repo.name) as UploadRow | undefined;
  if (!u) throw new AwsError("UploadNotFoundException", `Upload with id '${id}' is not found in the repository with name '${repo.name}' in the registry with id '${ACCOUNT_ID}'`, 400);
  return u;
}

function dropUpload(rq: RegistryRequest, id: string): void {
  rq.ctx.db.prepare(`DELETE FROM aws_ecr_uploads WHERE upload_id = ?`).run(id);
  fs.rmSync(uploadFile(rq, id), { force: true });
}

/** Append the request body to `file`; returns the byte count. */
async function appendBody(rq: RegistryRequest, file: string): Promise<number> {
  let n = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(rq.req, count, fs.createWriteStream(file, { flags: "a" }));
  return n;
}

async function fileDigest(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return `sha256:${h.digest("hex")}`;
}

/** `Content-Range: <start>-<end>` (inclusive, distribution spec); `bytes ` / `bytes=` prefixes are tolerated. */
function contentRange(rq: RegistryRequest): { start: number; end: number } | undefined {
  const raw = rq.req.headers["content-range"];
  if (raw === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(raw.trim());
  if (!m || Number(m[2]) < Number(m[1])) throw new RegistryError(400, "BLOB_UPLOAD_INVALID", `invalid Content-Range '${raw}'`);
  return { start: Number(m[1]), end: Number(m[2]) };
}

const hasBody = (rq: RegistryRequest) => (rq.req.headers["content-length"] !== undefined ? rq.req.headers["content-length"] !== "0" : rq.req.headers["transfer-encoding"] !== undefined);

const UPLOAD_ERRORS: Record<string, [number, string]> = { UploadNotFoundException: [404, "BLOB_UPLOAD_UNKNOWN"], InvalidLayerException: [400, "DIGEST_INVALID"] };

async function initiate(rq: RegistryRequest, name: string): Promise<string> {
  try {
    const out = (await runAsEcr(rq, "InitiateLayerUpload", { repositoryName: name }, layerOperations.InitiateLayerUpload, true)) as { uploadId: string };
    return out.uploadId;
  } catch (err) {
    throw registryErrorOf(err);
  }
}

/** Stream the body onto the session (after checking Content-Range against what it holds); returns the new size. */
async function appendPart(rq: RegistryRequest, name: string, id: string): Promise<number> {
  const range = contentRange(rq);
  let held = 0;
  try {
    const out = (await runAsEcr(rq, "UploadLayerPart", { repositoryName: name, uploadId: id, partFirstByte: range?.start, partLastByte: range?.end }, async (call) => {
      const repo = authorizedRepo(call, "ecr:UploadLayerPart");
      const upload = findUpload(call, repo, id);
      held = upload.received;
      const invalid = (message: string) => new AwsError("InvalidLayerPartException", message, 400, "Sender", { registryId: ACCOUNT_ID, repositoryName: name, uploadId: id, lastValidByteReceived: upload.received - 1 });
      if (range && range.start !== upload.received) throw invalid(`The part with first byte '${range.start}' is not contiguous: the last byte received is '${upload.received - 1}'`);
      const file = uploadFile(rq, id);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // Whatever a broken earlier request left past the last acknowledged byte goes.
      fs.writeFileSync(file, "", { flag: "a" });
      fs.truncateSync(file, upload.received);
      let n: number;
      try {
        n = await appendBody(rq, file);
      } catch (err) {
        fs.truncateSync(file, upload.received);
        throw err;
      }
      if (range && n !== range.end - range.start + 1) {
        fs.truncateSync(file, upload.received);
        throw invalid(`The part byte range '${range.start}-${range.end}' does not match the part size '${n}'`);
      }
      const received = upload.received + n;
      call.ctx.db.prepare(`UPDATE aws_ecr_uploads SET received = ? WHERE upload_id = ?`).run(received, id);
      call.params.partFirstByte = upload.received;
      call.params.partLastByte = received - 1;
      return { registryId: ACCOUNT_ID, repositoryName: name, uploadId: id, lastByteReceived: received - 1 };
    }, true)) as { lastByteReceived: number };
    return out.lastByteReceived + 1;
  } catch (err) {
    if (err instanceof AwsError && err.code === "InvalidLayerPartException")
      throw new RegistryError(416, "BLOB_UPLOAD_INVALID", err.message, undefined, uploadHeaders(name, id, held));
    throw registryErrorOf(err, UPLOAD_ERRORS);
  }
}

/** Close the session: the content must hash to `digest`; the blob then belongs to the repository. */
async function complete(rq: RegistryRequest, name: string, id: string, digest: string): Promise<void> {
  try {
    await runAsEcr(rq, "CompleteLayerUpload", { repositoryName: name, uploadId: id, layerDigests: [digest] }, async (call) => {
      const repo = authorizedRepo(call, "ecr:CompleteLayerUpload");
      const upload = findUpload(call, repo, id);
      if (!DIGEST_RE.test(digest)) throw invalidParameter("Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Invalid layer digest'");
      const file = uploadFile(rq, id);
      fs.writeFileSync(file, "", { flag: "a" });
      fs.truncateSync(file, upload.received);
      const actual = await fileDigest(file);
      if (actual !== digest) {
        dropUpload(rq, id);
        throw new AwsError("InvalidLayerException", `The calculated digest '${actual}' does not match the layer digest provided '${digest}'`, 400);
      }
      if (layerInRepo(call.ctx.db, repo.region, repo.name, digest)) fs.rmSync(file, { force: true });
      else {
        moveFileToBlob(call.ctx, file, digest);
        markLayerAvailable(call.ctx.db, repo.region, repo.name, digest, upload.received);
      }
      call.ctx.db.prepare(`DELETE FROM aws_ecr_uploads WHERE upload_id = ?`).run(id);
      return { registryId: ACCOUNT_ID, repositoryName: name, uploadId: id, layerDigest: digest };
    }, true);
  } catch (err) {
    throw registryErrorOf(err, UPLOAD_ERRORS);
  }
}

const blobCreated = (rq: RegistryRequest, name: string, digest: string) => sendEmpty(rq.res, 201, { location: `/v2/${name}/blobs/${digest}`, "docker-content-digest": digest });

/**
 * `?mount=DIGEST&from=REPO`: with the registry's BLOB_MOUNTING setting ENABLED, a layer of another repository of the
 * same registry (same encryption type) that the caller may read (ecr:GetDownloadUrlForLayer on it, as ECR's guide
 * requires) is linked into this one: 201. Otherwise the caller gets an upload session (202), as the spec says a
 * registry that cannot mount answers. ECR documents no CloudTrail event for a mount.
 */
async function tryMount(rq: RegistryRequest, name: string, digest: string, from: string): Promise<boolean> {
  if (!DIGEST_RE.test(digest) || accountSetting(rq.ctx.db, rq.region, "BLOB_MOUNTING") !== "ENABLED") return false;
  let target: EcrRepo;
  try {
    target = authorizedRepo(ecrCallFor(rq, "InitiateLayerUpload", { repositoryName: name }), "ecr:InitiateLayerUpload");
  } catch (err) {
    throw registryErrorOf(err);
  }
  try {
    const source = authorizedRepo(ecrCallFor(rq, "GetDownloadUrlForLayer", { repositoryName: from, layerDigest: digest }), "ecr:GetDownloadUrlForLayer");
    if (source.encryption_type !== target.encryption_type || !layerInRepo(rq.ctx.db, source.region, source.name, digest)) return false;
  } catch (err) {
    if (err instanceof AwsError) return false;
    throw err;
  }
  const size = blobSize(rq.ctx, digest);
  if (size === undefined) return false;
  markLayerAvailable(rq.ctx.db, target.region, target.name, digest, size);
  blobCreated(rq, name, digest);
  return true;
}

/** POST /v2/NAME/blobs/uploads/ (with ?digest= for one-request uploads, ?mount=&from= for mounts). */
export async function startUpload(rq: RegistryRequest, name: string): Promise<void> {
  const q = rq.url.searchParams;
  const mount = q.get("mount");
  const from = q.get("from");
  if (mount !== null && from !== null) {
    await discardBody(rq.req);
    if (await tryMount(rq, name, mount, from)) return;
  }
  const digest = q.get("digest");
  if (digest !== null && mount === null) {
    if (!DIGEST_RE.test(digest)) throw new RegistryError(400, "DIGEST_INVALID", `invalid digest '${digest}'`);
    const id = await initiate(rq, name);
    await appendPart(rq, name, id);
    await complete(rq, name, id, digest);
    return blobCreated(rq, name, digest);
  }
  await discardBody(rq.req);
  const id = await initiate(rq, name);
  sendEmpty(rq.res, 202, uploadHeaders(name, id, 0));
}

/** PATCH /v2/NAME/blobs/uploads/ID: one chunk; 202 with the new Range, or 416 when it does not start where the session ends. */
export async function patchUpload(rq: RegistryRequest, name: string, id: string): Promise<void> {
  const received = await appendPart(rq, name, id);
  sendEmpty(rq.res, 202, uploadHeaders(name, id, received));
}

/** PUT /v2/NAME/blobs/UPLOADS/ID?digest=: optional last chunk, then close. */
export async function putUpload(rq: RegistryRequest, name: string, id: string): Promise<void> {
  const digest = rq.url.searchParams.get("digest");
  if (!digest) throw new RegistryError(400, "DIGEST_INVALID", "digest missing: the closing PUT names the blob's digest in ?digest=");
  if (hasBody(rq)) await appendPart(rq, name, id);
  else await discardBody(rq.req);
  await complete(rq, name, id, digest);
  blobCreated(rq, name, digest);
}

/** GET (progress, 204 with Range) and DELETE (cancel, 204) of a session; authorised as ecr:UploadLayerPart. */
export async function uploadStatus(rq: RegistryRequest, name: string, id: string, cancel: boolean): Promise<void> {
  let upload: UploadRow;
  try {
    upload = await runAsEcr(rq, "UploadLayerPart", { repositoryName: name, uploadId: id }, (call) => findUpload(call, authorizedRepo(call, "ecr:UploadLayerPart"), id), false);
  } catch (err) {
    throw registryErrorOf(err, UPLOAD_ERRORS);
  }
  if (cancel) {
    dropUpload(rq, id);
    return sendEmpty(rq.res, 204, {});
  }
  sendEmpty(rq.res, 204, uploadHeaders(name, id, upload.received));
}
