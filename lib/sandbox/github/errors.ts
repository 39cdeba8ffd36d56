import type { ServerResponse } from "node:http";
import { sendJson } from "../http-util";

export const DOCS = "https://docs.github.com/rest";

export function ghError(res: ServerResponse, status: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  sendJson(res, status, { message, documentation_url: DOCS, status: String(status), ...extra }, headers);
}

/** GitHub's 422 `validation-error` shape. */
export function validationFailed(res: ServerResponse, errors: Array<{ resource: string; field?: string; code: string; message?: string }>, message = "Validation Failed"): void {
  sendJson(res, 422, { message, errors, documentation_url: DOCS, status: "422" });
}

export class BadJsonError extends Error {}

/** Parse a JSON request body the way GitHub answers a malformed one (400 "Problems parsing JSON"). */
export function parseJsonBody(buf: Buffer): Record<string, unknown> {
  const text = buf.toString("utf8").trim();
  if (!text) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BadJsonError("Problems parsing JSON");
  }
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new BadJsonError("Problems parsing JSON");
  return v as Record<string, unknown>;
}
