/**
 * SHA tags (the workflow tags images with the 7-character commit SHA) and links to their commits.
 * GitHub resolves an abbreviated SHA at /{owner}/{repo}/commit/{short}, so no lookup is needed.
 */

const SHA_TAG = /^[0-9a-f]{7,40}$/;

export function isShaTag(tag: string): boolean {
  // All-digit tags (e.g. "1234567", dates like "20240101") are version numbers far more often than SHAs.
  return SHA_TAG.test(tag) && /[a-f]/.test(tag);
}

export function commitUrl(webUrl: string, owner: string, repo: string, sha: string): string {
  return `${webUrl.replace(/\/+$/, "")}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/commit/${sha}`;
}

/** Tags in the order people read them: `latest` first, then SHA tags, then the rest, each alphabetical. */
export function sortTags(tags: readonly string[]): string[] {
  const rank = (t: string) => (t === "latest" ? 0 : isShaTag(t) ? 1 : 2);
  return [...tags].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
