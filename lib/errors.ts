import { randomBytes } from "node:crypto";

/**
 * An error whose message was written for users and may be shown as is.
 * Anything that is not a SafeError is logged with its cause and shown as a generic failure with an id.
 */
export class SafeError extends Error {
  constructor(
    message: string,
    public code: string = "error",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SafeError";
  }
}

export interface UserFacingError {
  message: string;
  code: string;
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
