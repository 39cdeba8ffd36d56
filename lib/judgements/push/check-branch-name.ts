/**
 * Whether `name` is a valid branch name, by the rules of git-check-ref-format(1) with --branch: no component starting
 * with "." or ending with ".lock", no "..", no control characters, space, "~", "^", ":", "?", "*", "[" or "\\", no
 * leading, trailing or doubled "/", no trailing ".", no "@{", not "@", not starting with "-", and not "HEAD".
 * Names under "refs/" are refused too: a branch is named without its prefix. Returns the problem, or null.
 */
export function checkBranchName(name: string): string | null {
  if (name.length === 0) return "is empty";
  if (name.length > 255) return "is longer than 255 characters";
  if (name === "HEAD") return 'is "HEAD", which names the current commit, not a branch';
  if (name === "@") return 'is "@"';
  if (name.startsWith("-")) return 'starts with "-"';
  if (name.startsWith("refs/")) return 'starts with "refs/": name the branch without it (e.g. main)';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return "contains a space, a control character or one of ~ ^ : ? * [ \\";
  if (name.includes("..")) return 'contains ".."';
  if (name.includes("@{")) return 'contains "@{"';
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) return 'has an empty part between "/"';
  if (name.endsWith(".")) return 'ends with "."';
  for (const part of name.split("/")) {
    if (part.startsWith(".")) return `has a part starting with "." (${part})`;
    if (part.endsWith(".lock")) return `has a part ending with ".lock" (${part})`;
  }
  return null;
}
