import fs from "node:fs";
import path from "node:path";
import { createHash, randomUUID } from "node:crypto";
import type { AwsCall, OperationHandler } from "./call";
import { ACCOUNT_ID, AwsError } from "./errors";
import { authorizedRepo, DIGEST_RE, hmacHex, invalidParameter, requireParam, urlSecret } from "./ecr-common";
import { blobSize, layerInRepo, markLayerAvailable, moveFileToBlob, uploadsDir, type EcrRepo } from "./ecr-store";
import { formatAmzDate } from "./sigv4";

/** ECR's documented part rules: at most 20 MiB per part; every part but the last at least 5 MiB. */
export const MAX_PART_BYTES = 20 * 1024 * 1024;
export const MIN_PART_BYTES = 5 * 1024 * 1024;
const DOWNLOAD_URL_TTL_S = 3600;

interface Upload {
  upload_id: string;
  region: string;
  repo: string;
  received: number;
  last_part_size: number;
  too_small: number;
}

function findUpload(call: AwsCall, repo: EcrRepo): Upload {
  const id = requireParam<string>(call, "uploadId");
  const u = call.ctx.db.prepare(`SELECT * FROM aws_ecr_uploads WHERE upload_id = ? AND region = ? AND repo = ?`).get(id, repo.region, repo.name) as Upload | undefined;
  if (!u) throw new AwsError("UploadNotFoundException", `Upload with id '${id}' is not found in the repository with name '${repo.name}' in the registry with id '${ACCOUNT_ID}'`, 400);
  return u;
}

const uploadFile = (call: AwsCall, id: string) => path.join(uploadsDir(call.ctx), id);

function dropUpload(call: AwsCall, id: string): void {
  call.ctx.db.prepare(`DELETE FROM aws_ecr_uploads WHERE upload_id = ?`).run(id);
  fs.rmSync(uploadFile(call, id), { force: true });
}

/** GetDownloadUrlForLayer's URL: presigned-looking, served by this sandbox, signed with its own secret. */
export function layerDownloadUrl(call: AwsCall, repo: EcrRepo, digest: string): string {
  const amzDate = formatAmzDate(call.now);
  const base = new URL(`/ecr-layers/${repo.region}/${digest}`, call.ctx.baseUrl());
  base.searchParams.set("repository", repo.name);
  base.searchParams.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  base.searchParams.set("X-Amz-Date", amzDate);
  base.searchParams.set("X-Amz-Expires", String(DOWNLOAD_URL_TTL_S));
  base.searchParams.set("X-Amz-SignedHeaders", "host");
  base.searchParams.set("X-Amz-Signature", hmacHex(urlSecret(call.ctx.db), downloadStringToSign(repo.region, repo.name, digest, amzDate)));
  return base.toString();
}

export const downloadStringToSign = (region: string, repo: string, digest: string, amzDate: string) => `${region}\n${repo}\n${digest}\n${amzDate}`;
export const DOWNLOAD_TTL_MS = DOWNLOAD_URL_TTL_S * 1000;

export const layerOperations: Record<string, OperationHandler> = {
  InitiateLayerUpload(call) {
    const repo = authorizedRepo(call, "ecr:InitiateLayerUpload");
    const id = randomUUID();
    fs.mkdirSync(uploadsDir(call.ctx), { recursive: true });
    fs.writeFileSync(uploadFile(call, id), Buffer.alloc(0));
    call.ctx.db.prepare(`INSERT INTO aws_ecr_uploads (upload_id, region, repo, received, created_ms) VALUES (?, ?, ?, 0, ?)`).run(id, repo.region, repo.name, call.now.getTime());
    return { uploadId: id, partSize: MAX_PART_BYTES };
  },

  UploadLayerPart(call) {
    const repo = authorizedRepo(call, "ecr:UploadLayerPart");
    const upload = findUpload(call, repo);
    const first = requireParam<number>(call, "partFirstByte");
    const last = requireParam<number>(call, "partLastByte");
    const blob = Buffer.from(requireParam<string>(call, "layerPartBlob"), "base64");
    const invalid = (message: string) =>
      new AwsError("InvalidLayerPartException", message, 400, "Sender", { registryId: ACCOUNT_ID, repositoryName: repo.name, uploadId: upload.upload_id, lastValidByteReceived: upload.received - 1 });
    if (blob.length > MAX_PART_BYTES) throw invalidParameter(`Invalid parameter at 'layerPartBlob' failed to satisfy constraint: 'Member must have length less than or equal to ${MAX_PART_BYTES}'`);
    if (!Number.isInteger(first) || !Number.isInteger(last) || first !== upload.received)
      throw invalid(`The part with first byte '${first}' is not contiguous: the last byte received is '${upload.received - 1}'`);
    if (last - first + 1 !== blob.length) throw invalid(`The part byte range '${first}-${last}' does not match the part size '${blob.length}'`);
    fs.appendFileSync(uploadFile(call, upload.upload_id), blob);
    const tooSmall = upload.too_small || (upload.received > 0 && upload.last_part_size < MIN_PART_BYTES) ? 1 : 0;
    call.ctx.db.prepare(`UPDATE aws_ecr_uploads SET received = ?, last_part_size = ?, too_small = ? WHERE upload_id = ?`).run(last + 1, blob.length, tooSmall, upload.upload_id);
    return { registryId: ACCOUNT_ID, repositoryName: repo.name, uploadId: upload.upload_id, lastByteReceived: last };
  },

  CompleteLayerUpload(call) {
    const repo = authorizedRepo(call, "ecr:CompleteLayerUpload");
    const upload = findUpload(call, repo);
    const digests = requireParam<string[]>(call, "layerDigests");
    if (!Array.isArray(digests) || digests.length !== 1 || !DIGEST_RE.test(digests[0])) throw invalidParameter("Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Invalid layer digest'");
    const expected = digests[0];
    if (upload.received === 0) throw new AwsError("EmptyUploadException", `The upload with id '${upload.upload_id}' does not contain any layer parts`, 400);
    if (upload.too_small) throw new AwsError("LayerPartTooSmallException", "Layer part size is not valid, or the first byte specified is not consecutive to the last byte of a previous layer part upload.", 400);
    const file = uploadFile(call, upload.upload_id);
    const actual = `sha256:${createHash("sha256").update(fs.readFileSync(file)).digest("hex")}`;
    if (actual !== expected) {
      dropUpload(call, upload.upload_id);
      throw new AwsError("InvalidLayerException", `The calculated digest '${actual}' does not match the layer digest provided '${expected}'`, 400);
    }
    if (layerInRepo(call.ctx.db, repo.region, repo.name, expected)) {
      dropUpload(call, upload.upload_id);
      throw new AwsError("LayerAlreadyExistsException", `The layer with digest '${expected}' already exists in the repository with name '${repo.name}' in the registry with id '${ACCOUNT_ID}'`, 400);
    }
    moveFileToBlob(call.ctx, file, expected);
    markLayerAvailable(call.ctx.db, repo.region, repo.name, expected, upload.received);
    call.ctx.db.prepare(`DELETE FROM aws_ecr_uploads WHERE upload_id = ?`).run(upload.upload_id);
    return { registryId: ACCOUNT_ID, repositoryName: repo.name, uploadId: upload.upload_id, layerDigest: expected };
  },

  BatchCheckLayerAvailability(call) {
    const repo = authorizedRepo(call, "ecr:BatchCheckLayerAvailability");
    const digests = requireParam<string[]>(call, "layerDigests");
    if (!Array.isArray(digests) || digests.length < 1 || digests.length > 100) throw invalidParameter("Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Member must have length between 1 and 100'");
    const layers: unknown[] = [];
    const failures: unknown[] = [];
    for (const d of digests) {
      if (!DIGEST_RE.test(d)) {
        failures.push({ layerDigest: d, failureCode: "InvalidLayerDigest", failureReason: "Invalid layer digest" });
        continue;
      }
      const l = layerInRepo(call.ctx.db, repo.region, repo.name, d);
      if (l) layers.push({ layerDigest: d, layerAvailability: "AVAILABLE", layerSize: l.size });
      else failures.push({ layerDigest: d, failureCode: "MissingLayerDigest", failureReason: "Could not find layer with digest" });
    }
    return { layers, failures };
  },

  GetDownloadUrlForLayer(call) {
    const repo = authorizedRepo(call, "ecr:GetDownloadUrlForLayer");
    const digest = requireParam<string>(call, "layerDigest");
    if (!DIGEST_RE.test(digest)) throw invalidParameter("Invalid parameter at 'layerDigest' failed to satisfy constraint: 'Invalid layer digest'");
    if (!layerInRepo(call.ctx.db, repo.region, repo.name, digest))
      throw new AwsError("LayersNotFoundException", `The layer with digest '${digest}' does not exist in the repository with name '${repo.name}' in the registry with id '${ACCOUNT_ID}'`, 400);
    if (blobSize(call.ctx, digest) === undefined) throw new AwsError("LayerInaccessibleException", `The layer with digest '${digest}' is not accessible`, 400);
    return { downloadUrl: layerDownloadUrl(call, repo, digest), layerDigest: digest };
  },
};
