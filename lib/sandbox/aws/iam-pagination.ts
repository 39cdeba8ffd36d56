import { AwsError } from "./errors";

/** IAM's Marker / MaxItems / IsTruncated paging over an ordered list (markers are opaque to clients). */
export function paginateIam<T>(items: T[], params: Record<string, unknown>): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const maxRaw = params.MaxItems;
  const max = maxRaw === undefined ? 100 : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw new AwsError("ValidationError", `1 validation error detected: Value '${String(maxRaw)}' at 'maxItems' failed to satisfy constraint: Member must have value ${max < 1 ? "greater than or equal to 1" : "less than or equal to 1000"}`);
  let start = 0;
  if (typeof params.Marker === "string" && params.Marker !== "") {
    const decoded = Number(Buffer.from(params.Marker, "base64url").toString("utf8").replace(/^offset:/, ""));
    if (!Number.isInteger(decoded) || decoded < 0) throw new AwsError("InvalidInput", "Invalid Marker.");
    start = decoded;
  }
  const page = items.slice(start, start + max);
  const next = start + max;
  return next < items.length ? { page, IsTruncated: true, Marker: Buffer.from(`offset:${next}`).toString("base64url") } : { page, IsTruncated: false };
}
