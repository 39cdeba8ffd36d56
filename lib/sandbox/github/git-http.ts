import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import zlib from "node:zlib";
import type { SandboxContext } from "../context";
import { sendText, sleep } from "../http-util";
import { resolveToken } from "./api";
import { listRefs } from "./git";
import { afterPush, diffRefs } from "./push-event";
import { findRepo, gitRoot, hasPermission } from "./repos";

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack|HEAD)$/;

function basicToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization ?? "";
  if (!/^basic\s+/i.test(h)) return null;
  const decoded = Buffer.from(h.replace(/^basic\s+/i, ""), "base64").toString("utf8");
  const i = decoded.indexOf(":");
  // Git clients send the token as the password (any user name), or alone as the user name.
  return i >= 0 ? decoded.slice(i + 1) || decoded.slice(0, i) : decoded;
}

function challenge(res: ServerResponse, message: string): void {
  sendText(res, 401, `${message}\n`, "text/plain; charset=utf-8", { "www-authenticate": 'Basic realm="GitHub"' });
}

/**
 * Git smart HTTP at /{owner}/{repo}.git/..., delegating to `git http-backend` (CGI). Tokens are the basic-auth
 * password; fetching needs read access, pushing write access. After a receive-pack the refs are compared with
 * their state before it, and GitHub's push side effects (webhooks, workflow runs) follow.
 */
export async function handleGitHttp(req: IncomingMessage, res: ServerResponse, ctx: SandboxContext, url: URL): Promise<boolean> {
  const m = GIT_PATH.exec(url.pathname);
  if (!m) return false;
  const [, owner, name, rest] = m;
  const service = rest === "git-receive-pack" || url.searchParams.get("service") === "git-receive-pack" ? "receive-pack" : "upload-pack";
  const repo = findRepo(ctx, decodeURIComponent(owner), decodeURIComponent(name));
  const token = basicToken(req);
  const who = token ? resolveToken(ctx, token) : null;
  if (token && !who) {
    challenge(res, "Invalid username or token. Password authentication is not supported for Git operations.");
    return true;
  }
  if (!repo || (repo.private && !who)) {
    if (!who) challenge(res, "Authentication required");
    else sendText(res, 404, "Repository not found.\n");
    return true;
  }
  const login = who?.login ?? "";
  const canSee = !repo.private || (who !== null && (who.isAdmin || who.scopes.includes("repo")) && hasPermission(ctx, repo, login, "read"));
  if (!canSee) {
    sendText(res, 404, "Repository not found.\n");
    return true;
  }
  // A fine-grained token fetches with Contents: read and pushes with Contents: write, on its repositories only.
  if (who?.grant) {
    const allowed = who.grant.repositories.includes(`${repo.owner}/${repo.name}`.toLowerCase());
    const have = who.grant.permissions.contents;
    if (!allowed) {
      sendText(res, 404, "Repository not found.\n");
      return true;
    }
    if (!have || (service === "receive-pack" && have !== "write")) {
      sendText(res, 403, `Permission to ${repo.owner}/${repo.name}.git denied to ${login}.\n`);
      return true;
    }
  }
  if (service === "receive-pack") {
    if (!who) return (challenge(res, "Authentication required"), true);
    if (!hasPermission(ctx, repo, login, "write")) {
      sendText(res, 403, `Permission to ${repo.owner}/${repo.name}.git denied to ${login}.\n`);
      return true;
    }
  }
  const fault = ctx.faults.take("git", service);
  if (fault.latencyMs) await sleep(fault.latencyMs);
  if (fault.failure) {
    const k = fault.failure.kind;
    const status = k === "500" ? 500 : k === "502" ? 502 : k === "throttle" ? 429 : k === "secondary-rate-limit" || k === "access-denied" ? 403 : 503;
    sendText(res, status, status === 502 ? "Bad Gateway\n" : status === 429 || status === 403 ? "You have exceeded a rate limit.\n" : "Service Unavailable\n");
    return true;
  }

  const isPush = req.method === "POST" && rest === "git-receive-pack";
  const dirName = `/${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}.git`;
  const refsBefore = isPush ? listRefs(`${gitRoot(ctx)}${dirName}`) : new Map<string, string>();
  const gzip = /gzip/i.test(String(req.headers["content-encoding"] ?? ""));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    GIT_PROJECT_ROOT: gitRoot(ctx),
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_NOSYSTEM: "1",
    PATH_INFO: `${dirName}/${rest}`,
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: String(req.headers["content-type"] ?? ""),
    REMOTE_USER: login,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
  };
  if (req.headers["git-protocol"]) env.HTTP_GIT_PROTOCOL = String(req.headers["git-protocol"]);
  if (!gzip && req.headers["content-length"]) env.CONTENT_LENGTH = String(req.headers["content-length"]);

  const child = spawn("git", ["http-backend"], { env: env as NodeJS.ProcessEnv, stdio: "pipe" });
  const input = gzip ? req.pipe(zlib.createGunzip()) : req;
  input.on("error", () => child.kill());
  input.pipe(child.stdin);
  child.stdin.on("error", () => {});
  // A client that goes away mid-request takes the git process with it, as a real server's would.
  res.on("close", () => {
    if (child.exitCode === null && !res.writableFinished) child.kill();
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));

  await new Promise<void>((resolve) => {
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const sep = head.indexOf("\r\n\r\n") >= 0 ? head.indexOf("\r\n\r\n") : head.indexOf("\n\n");
      if (sep < 0) return;
      const sepLen = head[sep] === 13 ? 4 : 2;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number.parseInt(v, 10) || 200;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      headersDone = true;
      const body = head.subarray(sep + sepLen);
      if (body.length) res.write(body);
    });
    child.on("close", (code) => {
      if (!headersDone) {
        if (!res.headersSent) sendText(res, 500, `git http-backend failed: ${stderr.trim() || `exit ${code}`}\n`);
      } else res.end();
      if (stderr.trim() && code !== 0) console.error(`[sandbox] git http-backend ${rest}: ${stderr.trim()}`);
      if (isPush) {
        try {
          const updates = diffRefs(refsBefore, listRefs(`${gitRoot(ctx)}${dirName}`));
          afterPush(ctx, repo, login, refsBefore, updates);
        } catch (err) {
          console.error("[sandbox] after-push handling failed:", err);
        }
      }
      resolve();
    });
  });
  return true;
}
