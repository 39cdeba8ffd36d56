/** Display helpers shared by the registry's pages. */

export function shortDigest(digest: string | null | undefined, length = 12): string {
  if (!digest) return "";
  const [algo, hex] = digest.includes(":") ? digest.split(":", 2) : ["", digest];
  return algo ? `${algo}:${hex.slice(0, length)}` : hex.slice(0, length);
}

/** Sizes as the ECR console shows them: MB with two decimals (binary megabytes). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(2)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
