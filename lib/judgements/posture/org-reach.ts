// Which organization secrets or variables reach a repository, from the organization's own lists (read once per
// organization) instead of one GET /repos/{owner}/{repo}/actions/organization-secrets per repository. GitHub docs,
// "Using secrets in GitHub Actions" → organization secrets: visibility `all` reaches every repository of the
// organization, `selected` the selected ones, `private` the private and internal ones.

import type { Visibility } from "./secret-scopes";

export interface OrgReachItem<T> {
  item: T;
  visibility: Visibility;
  /** Full names of the selected repositories (visibility "selected"), else null. */
  selected: readonly string[] | null;
}

/**
 * The items that reach `repository` ("owner/name", case-insensitive), in the list's order; null when the lists
 * cannot say: an item of visibility `private` (whether the repository is private is not known here) or a `selected`
 * item without its selection. The caller then asks GitHub per repository. Pure; never throws.
 */
export function orgItemsReaching<T>(entries: readonly OrgReachItem<T>[], repository: string): T[] | null {
  const wanted = repository.toLowerCase();
  const out: T[] = [];
  for (const e of entries) {
    if (e.visibility === "all") out.push(e.item);
    else if (e.visibility === "selected") {
      if (!e.selected) return null;
      if (e.selected.some((n) => n.toLowerCase() === wanted)) out.push(e.item);
    } else return null;
  }
  return out;
}

/** Each item's visibility by name (what the scopes judgement shows beside an organization copy). */
export function visibilityByName<T extends { name: string }>(entries: readonly OrgReachItem<T>[]): Record<string, Visibility> {
  return Object.fromEntries(entries.map((e) => [e.item.name, e.visibility]));
}
