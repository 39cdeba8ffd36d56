import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { DIGEST_RE, hmacHex, urlSecret } from "./ecr-common";
import { blobPath, blobSize, digestForTag, findImage, findRepo, layerInRepo } from "./ecr-store";
import { DOWNLOAD_TTL_MS, downloadStringToSign } from "./ecr-layers";
import { parseAmzDate } from "./sigv4";
import { escapeXml } from "./xml";

/**
 * The registry side of ECR that the API points at: layer download URLs (GetDownloadUrlForLayer) and a
 * read-only subset of the OCI distribution API (/v2/...) authenticated with GetAuthorizationToken's
 * "AWS:<password>" basic credentials. Pushing through /v2 is not emulated: pushes go through the ECR API.
 */
export const isRegistryRequest = (url: URL) => url.pathname.startsWith("/ecr-layers/") || url.pathname === "/v2" || url.pathname.startsWith("/v2/");

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml) });
  res.end(xml);
}

function streamBlob(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, digest: string, contentType = "application/octet-stream"): void {
  const size = blobSize(ctx, digest)!;
  res.writeHead(200, { "content-type": contentType, "content-length": size, "docker-content-digest": digest, etag: `"${digest}"` });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  fs.createReadStream(blobPath(ctx, digest)).pipe(res);
}

function handleLayerDownload(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): void {
  const m = /^\/ecr-layers\/([a-z0-9-]+)\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
  const q = url.searchParams;
  const repo = q.get("repository") ?? "";
  const amzDate = q.get("X-Amz-Date") ?? "";
  if (!m || !/^\d{8}T\d{6}Z$/.test(amzDate)) return s3Error(res, 403, "AccessDenied", "Access Denied");
  const expected = hmacHex(urlSecret(ctx.db), downloadStringToSign(m[1], repo, m[2], amzDate));
  if (expected !== q.get("X-Amz-Signature")) return s3Error(res, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
  if (parseAmzDate(amzDate).getTime() + DOWNLOAD_TTL_MS < Date.now()) return s3Error(res, 403, "AccessDenied", "Request has expired");
  if (blobSize(ctx, m[2]) === undefined) return s3Error(res, 404, "NoSuchKey", "The specified key does not exist.");
  streamBlob(req, res, ctx, m[2]);
}

function registryError(res: ServerResponse, status: number, code: string, message: string, ctx: SandboxContext): void {
  const body = JSON.stringify({ errors: [{ code, message }] });
  const headers: Record<string, string | number> = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), "docker-distribution-api-version": "registry/2.0" };
  if (status === 401) headers["www-authenticate"] = `Basic realm="${ctx.baseUrl()}/",service="ecr.amazonaws.com"`;
  res.writeHead(status, headers);
  res.end(body);
}

/** Region the basic-auth token was issued for, or undefined when missing, forged or expired. */
function tokenRegion(req: IncomingMessage, ctx: SandboxContext): string | undefined {
  const auth = req.headers.authorization ?? "";
  if (!auth.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
  if (!decoded.startsWith("AWS:")) return undefined;
  const [payload, sig] = decoded.slice(4).split(".");
  if (!payload || !sig || hmacHex(urlSecret(ctx.db), payload) !== sig) return undefined;
  try {
    const t = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { r: string; e: number };
    return t.e > Date.now() ? t.r : undefined;
  } catch {
    return undefined;
  }
}

function handleV2(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): void {
  const region = tokenRegion(req, ctx);
  if (!region) return registryError(res, 401, "DENIED", "Your authorization token has expired. Reauthenticate and try again.", ctx);
  if (url.pathname === "/v2" || url.pathname === "/v2/") {
    res.writeHead(200, { "content-type": "application/json", "docker-distribution-api-version": "registry/2.0", "content-length": 2 });
    return void res.end("{}");
  }
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
  if (!m || (req.method !== "GET" && req.method !== "HEAD")) return registryError(res, 405, "UNSUPPORTED", "The operation is unsupported.", ctx);
  const [, name, kind, ref] = m;
  if (!findRepo(ctx.db, region, name)) return registryError(res, 404, "NAME_UNKNOWN", `The repository with name '${name}' does not exist in the registry with id '123456789012'`, ctx);
  if (kind === "blobs") {
    if (!DIGEST_RE.test(ref) || !layerInRepo(ctx.db, region, name, ref) || blobSize(ctx, ref) === undefined) return registryError(res, 404, "BLOB_UNKNOWN", `blob unknown to registry: ${ref}`, ctx);
    return streamBlob(req, res, ctx, ref);
  }
  const digest = DIGEST_RE.test(ref) ? ref : digestForTag(ctx.db, region, name, ref);
  const image = digest ? findImage(ctx.db, region, name, digest) : undefined;
  if (!image) return registryError(res, 404, "MANIFEST_UNKNOWN", `Requested image not found`, ctx);
  const body = Buffer.from(image.manifest, "utf8");
  res.writeHead(200, { "content-type": image.media_type, "content-length": body.length, "docker-content-digest": image.digest, "docker-distribution-api-version": "registry/2.0" });
  if (req.method === "GET") ctx.db.prepare(`UPDATE aws_ecr_images SET last_pull_ms = ? WHERE region = ? AND repo = ? AND digest = ?`).run(Date.now(), region, name, image.digest);
  res.end(req.method === "HEAD" ? undefined : body);
}

export async function handleRegistry(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<void> {
  if (url.pathname.startsWith("/ecr-layers/")) return handleLayerDownload(req, res, ctx, url);
  return handleV2(req, res, ctx, url);
}
