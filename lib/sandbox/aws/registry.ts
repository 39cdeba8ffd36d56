import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { sendJson } from "../http-util";
import { generateRequestId } from "./ids";
import { sourceIp } from "./dispatch";
import { recordKeyUse } from "./iam-store";
import { authenticateRegistry } from "./registry-auth";
import type { RegistryRequest } from "./registry-call";
import { API_VERSION, discardBody, RegistryError, sendNotAuthorized, sendPageNotFound, sendRegistryError } from "./registry-http";
import { deleteManifest, getManifest, listTags, putManifest } from "./registry-manifests";
import { deleteBlob, getBlob, headBlob } from "./registry-blobs";
import { patchUpload, putUpload, startUpload, uploadStatus } from "./registry-uploads";

type Route = { re: RegExp; methods: Record<string, (rq: RegistryRequest, name: string, ref: string) => Promise<void>> };

/** The OCI distribution API's endpoints (distribution spec, "Endpoints" end-1 … end-11) as ECR serves them. */
const ROUTES: Route[] = [
  { re: /^\/v2\/(.+)\/blobs\/uploads\/?$/, methods: { POST: (rq, name) => startUpload(rq, name) } },
  {
    re: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    methods: {
      PATCH: patchUpload,
      PUT: putUpload,
      GET: (rq, name, id) => uploadStatus(rq, name, id, false),
      DELETE: (rq, name, id) => uploadStatus(rq, name, id, true),
    },
  },
  { re: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: { GET: getBlob, HEAD: headBlob, DELETE: (rq, name) => deleteBlob(rq, name) } },
  { re: /^\/v2\/(.+)\/manifests\/([^/]+)$/, methods: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest } },
  { re: /^\/v2\/(.+)\/tags\/list$/, methods: { GET: (rq, name) => listTags(rq, name) } },
];

/**
 * Serve one `/v2/…` request: authenticate the Basic credentials GetAuthorizationToken issued, count it as a use of the
 * access key behind them (service `ecr`), then route. The region is the token's: the sandbox serves every region's
 * registry on one host, where ECR has one host per region.
 */
export async function handleRegistryV2(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<void> {
  const now = new Date();
  const auth = authenticateRegistry(req, ctx, now);
  if (!auth.ok) {
    await discardBody(req);
    if (auth.failure === "missing") return sendNotAuthorized(res, ctx);
    if (auth.failure === "expired") return sendRegistryError(res, new RegistryError(403, "DENIED", "Your authorization token has expired. Reauthenticate and try again."));
    return sendRegistryError(res, new RegistryError(400, "DENIED", "Your Authorization Token is invalid."));
  }
  if (auth.principal.kind === "user") recordKeyUse(ctx.db, auth.principal.accessKeyId, now.getTime(), "ecr", auth.region);
  const rq: RegistryRequest = {
    req,
    res,
    ctx,
    url,
    principal: auth.principal,
    region: auth.region,
    requestId: generateRequestId(),
    sourceIp: sourceIp(req),
    userAgent: String(req.headers["user-agent"] ?? ""),
  };
  const method = req.method ?? "GET";
  try {
    if (url.pathname === "/v2" || url.pathname === "/v2/") {
      await discardBody(req);
      if (method !== "GET" && method !== "HEAD") return sendPageNotFound(res);
      return sendJson(res, 200, {}, API_VERSION);
    }
    for (const route of ROUTES) {
      const m = route.re.exec(url.pathname);
      if (!m) continue;
      const handler = route.methods[method];
      if (!handler) throw new RegistryError(405, "UNSUPPORTED", "The operation is unsupported.");
      return await handler(rq, m[1], decodeURIComponent(m[2] ?? ""));
    }
    await discardBody(req);
    sendPageNotFound(res);
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    await discardBody(req);
    if (res.headersSent) res.destroy();
    else sendRegistryError(res, err);
  }
}
