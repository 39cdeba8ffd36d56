import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { hmacHex, urlSecret } from "./ecr-common";
import { blobPath, blobSize } from "./ecr-store";
import { DOWNLOAD_TTL_MS, downloadStringToSign } from "./ecr-layers";
import { parseAmzDate } from "./sigv4";
import { escapeXml } from "./xml";
import { parseByteRange } from "./registry-byte-range";
import { handleRegistryV2 } from "./registry";

/**
 * The registry side of ECR that the API points at: layer download URLs (GetDownloadUrlForLayer, what S3 serves for
 * ECR) and the OCI distribution API (/v2/..., `registry.ts`) authenticated with GetAuthorizationToken's
 * "AWS:<password>" basic credentials.
 */
export const isRegistryRequest = (url: URL) => url.pathname.startsWith("/ecr-layers/") || url.pathname === "/v2" || url.pathname.startsWith("/v2/");

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml) });
  res.end(xml);
}

/** The blob's bytes, or the one byte range asked for (206), as S3 serves a presigned GET. */
function streamBlob(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, digest: string, contentType = "application/octet-stream"): void {
  const size = blobSize(ctx, digest)!;
  const range = parseByteRange(req.headers.range, size);
  if (range.kind === "unsatisfiable") {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message></Error>`;
    res.writeHead(416, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml), "content-range": `bytes */${size}` });
    return void res.end(xml);
  }
  const headers = { "content-type": contentType, "docker-content-digest": digest, etag: `"${digest}"`, "accept-ranges": "bytes" };
  if (range.kind === "partial") res.writeHead(206, { ...headers, "content-length": range.end - range.start + 1, "content-range": `bytes ${range.start}-${range.end}/${size}` });
  else res.writeHead(200, { ...headers, "content-length": size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = range.kind === "partial" ? fs.createReadStream(blobPath(ctx, digest), { start: range.start, end: range.end }) : fs.createReadStream(blobPath(ctx, digest));
  stream.pipe(res);
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

export async function handleRegistry(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<void> {
  if (url.pathname.startsWith("/ecr-layers/")) return handleLayerDownload(req, res, ctx, url);
  return handleRegistryV2(req, res, ctx, url);
}
