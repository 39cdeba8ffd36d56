/**
 * `href` with the chosen repository kept: `?repo=owner/name` added (or replacing one) when a repository other than the
 * default is chosen; `repo` null or empty leaves the link as is. Hash fragments stay last.
 */
export function withRepo(href: string, repo: string | null | undefined): string {
  if (!repo) return href;
  const hashAt = href.indexOf("#");
  const hash = hashAt >= 0 ? href.slice(hashAt) : "";
  const base = hashAt >= 0 ? href.slice(0, hashAt) : href;
  const [path, query = ""] = base.split("?");
  const params = new URLSearchParams(query);
  params.set("repo", repo);
  return `${path}?${params.toString()}${hash}`;
}

/** The `repo` search parameter as given (a page's `searchParams`), for links that keep it; null when absent. */
export function repoParamOf(sp: Record<string, string | string[] | undefined>): string | null {
  return typeof sp.repo === "string" && sp.repo ? sp.repo : null;
}
