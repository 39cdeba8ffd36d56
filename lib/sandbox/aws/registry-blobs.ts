import { authorizedRepo } from "./ecr-common";
import { blobSize } from "./ecr-store";
import { layerOperations } from "./ecr-layers";
import { registryErrorOf, runAsEcr, type RegistryRequest } from "./registry-call";
import { API_VERSION, RegistryError, sendEmpty } from "./registry-http";

const blobUnknown = () => new RegistryError(404, "BLOB_UNKNOWN", "blob unknown to registry");

/**
 * HEAD /v2/NAME/blobs/DIGEST: is the layer in the repository (ecr:BatchCheckLayerAvailability, the action ECR
 * names for layer checks; no CloudTrail event). 200 with Content-Length and Docker-Content-Digest, or 404.
 */
export async function headBlob(rq: RegistryRequest, name: string, digest: string): Promise<void> {
  let out: { layers: Array<{ layerSize: number }> };
  try {
    out = (await runAsEcr(rq, "BatchCheckLayerAvailability", { repositoryName: name, layerDigests: [digest] }, layerOperations.BatchCheckLayerAvailability, false)) as typeof out;
  } catch (err) {
    throw registryErrorOf(err);
  }
  const size = out.layers.length ? blobSize(rq.ctx, digest) : undefined;
  if (size === undefined) throw blobUnknown();
  rq.res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size, "docker-content-digest": digest, etag: `"${digest}"`, "accept-ranges": "bytes", ...API_VERSION });
  rq.res.end();
}

/**
 * GET /v2/NAME/blobs/DIGEST: as ECR does, a 307 redirect to the layer's download URL (GetDownloadUrlForLayer, which
 * the redirect amounts to: ecr:GetDownloadUrlForLayer and its CloudTrail event). The download URL serves the bytes
 * and honours `Range` as S3 does; clients resend their Range header to it.
 */
export async function getBlob(rq: RegistryRequest, name: string, digest: string): Promise<void> {
  let out: { downloadUrl: string };
  try {
    out = (await runAsEcr(rq, "GetDownloadUrlForLayer", { repositoryName: name, layerDigest: digest }, layerOperations.GetDownloadUrlForLayer, true)) as typeof out;
  } catch (err) {
    throw registryErrorOf(err, { LayersNotFoundException: [404, "BLOB_UNKNOWN"], LayerInaccessibleException: [404, "BLOB_UNKNOWN"] });
  }
  sendEmpty(rq.res, 307, { location: out.downloadUrl, "docker-content-digest": digest });
}

/** DELETE /v2/NAME/blobs/DIGEST: ECR deletes layers only with their images; the spec's answer for that is 405. */
export async function deleteBlob(rq: RegistryRequest, name: string): Promise<void> {
  try {
    await runAsEcr(rq, "BatchDeleteImage", { repositoryName: name }, (call) => authorizedRepo(call, "ecr:BatchDeleteImage"), false);
  } catch (err) {
    throw registryErrorOf(err);
  }
  throw new RegistryError(405, "UNSUPPORTED", "The operation is unsupported.");
}
