/**
 * A `Range` request header against an object of `size` bytes, as S3 (where ECR's layer download URLs point) answers
 * it (RFC 9110 §14.2): one `bytes=a-b`, `bytes=a-` or `bytes=-n` range is served as 206; a range starting at or past
 * the end is unsatisfiable (416); anything else (no header, bad syntax, several ranges, which S3 does not serve) gets
 * the whole object.
 */
export type ByteRange = { kind: "whole" } | { kind: "partial"; start: number; end: number } | { kind: "unsatisfiable" };

export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (!header) return { kind: "whole" };
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "whole" };
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  const end = m[2] === "" ? size - 1 : Number(m[2]);
  return { kind: "partial", start, end: Math.min(end, size - 1) };
}
