import { createTwoFilesPatch } from "diff";

/**
 * A unified diff (`git diff` style, 3 lines of context) of a file from `before` to `after`; `after` null is the
 * file's deletion (`+++ /dev/null`). Empty string when nothing changes. Uses the `diff` package (jsdiff).
 */
export function unifiedDiff(path: string, before: string, after: string | null): string {
  if (after === before) return "";
  const patch = createTwoFilesPatch(`a/${path}`, after === null ? "/dev/null" : `b/${path}`, before, after ?? "", "", "", { context: 3 });
  // jsdiff starts with an "Index:"-less "===" header line; keep git's form: from the --- line on.
  return patch.slice(patch.indexOf("--- ")).replace(/\t$/gm, "");
}
