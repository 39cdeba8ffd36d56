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
  | "already-finished";

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

/** Secrets that must never reach a log line, whatever the error says. */
export function redact(text: string): string {
  return (
    text
      // AWS secret access keys: 40 base64 characters (but not a 40-hex git commit id).
      .replace(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g, (m) => (/^[0-9a-f]{40}$/.test(m) ? m : "[redacted]"))
      // GitHub tokens.
      .replace(/gh[pousr]_[A-Za-z0-9]{20,}/g, "[redacted]")
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
