import { randomBytes } from "node:crypto";

/**
 * What a refusal or failure shown to a user is about. Server actions return it as `code`; tests and
 * scripts may branch on it. The failure of an AWS or GitHub call is "aws" or "github" (lib/failures.ts
 * says which call and why).
 */
export type SafeErrorCode =
  | "error"
  | "internal"
  | "unauthenticated"
  | "forbidden"
  | "invalid-input"
  | "aws"
  | "github"
  | "not-found"
  | "conflict"
  | "running"
  | "not-resumable"
  | "rotation-busy"
  | "setup-busy"
  | "setup-blocked"
  | "missing-permission"
  | "expected-policy"
  | "preflight"
  | "not-completed"
  | "already-deleted"
  | "not-deleted"
  | "active-key"
  | "only-key"
  | "already-active"
  | "already-inactive"
  | "github-holds-key"
  | "workflow-not-found"
  | "not-dispatchable"
  | "bad-ref"
  | "in-progress"
  | "nothing-failed"
  | "stale-review"
  | "already-finished"
  | "oidc-busy"
  | "oidc-blocked"
  | "workflow-change-refused"
  | "unknown-repository"
  | "push-user-named"
  | "signer-mismatch";

/**
 * An error whose message was written for users and may be shown as is.
 * Anything that is not a SafeError is logged with its cause and shown as a generic failure with an id.
 */
export class SafeError extends Error {
  constructor(
    message: string,
    public code: SafeErrorCode = "error",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SafeError";
  }
}

export interface UserFacingError {
  message: string;
  code: SafeErrorCode;
  /** Present when the real cause was logged and hidden: quote it when reporting. */
  errorId?: string;
}

export function newErrorId(): string {
  return `E-${randomBytes(4).toString("hex").toUpperCase()}`;
}

const knownSecrets = new Set<string>();

/**
 * Values redact() removes wherever they appear, whatever their shape: the configured tokens and secrets (a webhook
 * secret or an API token can be any string). Values shorter than 8 characters are ignored (they would match words).
 */
export function addKnownSecrets(values: Array<string | undefined | null>): void {
  for (const v of values) if (v && v.length >= 8) knownSecrets.add(v);
}

/** Names whose value is a secret in `NAME=value`, `NAME: value`, `"name": "value"` and `?name=value`. */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:secret|token|password|passwd|credential|credentials|api[_-]?key|access[_-]?key|private[_-]?key|session[_-]?key)[A-Za-z0-9_.-]*`;

/**
 * Secrets that must never reach a log line, whatever the error says or a build prints: every token and secret shape
 * Deckhand handles.
 * - GitHub tokens: classic and OAuth (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and fine-grained (`github_pat_`);
 * - AWS secret access keys (40 base64 characters, not a 40-hex git commit id) and session tokens (long base64);
 * - `NAME=value` / `NAME: value` / JSON `"name": "value"` / query `name=value` where the name says secret, token,
 *   password, key or credential (AWS_SECRET_ACCESS_KEY=…, GITHUB_TOKEN=…, "secretAccessKey":"…");
 * - `Authorization: Basic|Bearer|token …` headers, credentials in URLs (`https://user:pass@host`), JWTs and PEM
 *   private key blocks;
 * - the configured secrets' exact values (addKnownSecrets).
 * Access key ids (AKIA…) and commit ids stay: they identify, they do not authenticate.
 */
export function redact(text: string): string {
  let out = text;
  for (const v of knownSecrets) if (out.includes(v)) out = out.split(v).join("[redacted]");
  return (
    out
      .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[redacted private key]")
      .replace(/\b(authorization\s*[:=]\s*)(basic|bearer|token)\s+[^\s"',;]+/gi, "$1$2 [redacted]")
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s:]*:[^/@\s]+@/gi, "$1***@")
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@")
      .replace(new RegExp(String.raw`(["']?\b${SECRET_NAME}["']?\s*[=:]\s*)(["']?)([^\s"',;&]+)`, "gi"), (m, name: string, quote: string, value: string) =>
        value === "[redacted]" || value.length < 4 || /^(AKIA|ASIA)[A-Z0-9]{16}$/.test(value) ? m : `${name}${quote}[redacted]`,
      )
      .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, "[redacted]")
      .replace(/\bgithub_pat_[A-Za-z0-9_]{20,}/g, "[redacted]")
      .replace(/\bgh[pousr]_[A-Za-z0-9]{20,}/g, "[redacted]")
      // AWS session tokens: hundreds of base64 characters.
      .replace(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{100,}={0,2}(?![A-Za-z0-9/+=])/g, "[redacted]")
      // AWS secret access keys: 40 base64 characters (but not a 40-hex git commit id).
      .replace(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g, (m) => (/^[0-9a-f]{40}$/.test(m) ? m : "[redacted]"))
  );
}

/** Turn any error into what the user may see; log the hidden cause under an id. */
export function toUserFacing(err: unknown, context: string): UserFacingError {
  if (err instanceof SafeError) return { message: err.message, code: err.code };
  const errorId = newErrorId();
  const detail = err instanceof Error ? `${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ""}` : String(err);
  console.error(`[deckhand] ${errorId} ${context}: ${redact(detail)}`);
  return { message: `Something went wrong (${errorId}). The details are in the server log.`, code: "internal", errorId };
}
