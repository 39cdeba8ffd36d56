import { CallFailure } from "../../failures";

/**
 * The largest repository file Deckhand hands back from GitHub's contents API, in bytes. Its callers parse workflow
 * files as YAML, and whoever can push writes them: the `yaml` package checks each key of a map against the ones before
 * it, so a map of many keys parses in time quadratic in their number (seconds at this size, a minute at GitHub's 1 MB
 * contents limit), blocking the server that reads it. Real workflows are a few KB.
 */
export const MAX_REPO_FILE_BYTES = 256 * 1024;

/**
 * The text of a contents API file answer (`content` base64, `size` in bytes: GitHub REST "Get repository content"),
 * refusing one larger than MAX_REPO_FILE_BYTES before decoding it. Throws CallFailure (service github, kind bad-data)
 * naming `path` and the `call` that read it.
 */
export function repoFileText({ path, call, content, size }: { path: string; call: string; content: string; size?: number }): string {
  const bytes = typeof size === "number" ? size : Math.floor((content.replace(/\s/g, "").length * 3) / 4);
  if (bytes > MAX_REPO_FILE_BYTES) {
    throw new CallFailure({ service: "github", call, kind: "bad-data", message: `${path} is larger than ${MAX_REPO_FILE_BYTES / 1024} KB: Deckhand does not read it (real workflows are a few KB)` });
  }
  return Buffer.from(content, "base64").toString("utf8");
}
