import { sendJson } from "../http-util";
import { ghError } from "./errors";
import { paginate } from "./pagination";
import type { ApiRequest, Router } from "./router";
import { hasPermission, minimalRepoJson, type Repo } from "./repos";
import { findUser } from "./users";

/**
 * Listing an owner's repositories, as GitHub's REST "Repositories" page documents:
 * - `GET /orgs/{org}/repos`: `type` all (default) | public | private | forks | sources | member; `sort` created
 *   (default) | updated | pushed | full_name; `direction` asc for full_name, else desc, by default; `per_page` (30,
 *   at most 100) and `page` with Link headers. 404 for an unknown organization (or a user account).
 * - `GET /users/{username}/repos`: the user's public repositories; `type` owner (default) | member | all; `sort`
 *   full_name (default) | created | updated | pushed.
 * Private repositories are listed only to people who may read them (and OAuth tokens with `repo`), as GitHub hides them.
 * The sandbox has no forks, so `forks` is empty and `sources` is every repository.
 */

const SORTS = ["created", "updated", "pushed", "full_name"] as const;

function visibleTo(r: ApiRequest, repo: Repo): boolean {
  if (!repo.private) return true;
  const scoped = r.isAdminToken || r.scopes.includes("repo");
  return scoped && hasPermission(r.ctx, repo, r.login, "read");
}

/** Sorted as asked; a value GitHub does not document is ignored (the default applies), as GitHub does. */
function sortRepos(r: ApiRequest, repos: Repo[], defaultSort: (typeof SORTS)[number]): Repo[] {
  const asked = r.url.searchParams.get("sort") ?? "";
  const sort = (SORTS as readonly string[]).includes(asked) ? asked : defaultSort;
  const askedDirection = r.url.searchParams.get("direction");
  const direction = askedDirection === "asc" || askedDirection === "desc" ? askedDirection : sort === "full_name" ? "asc" : "desc";
  const keyOf = (x: Repo) => (sort === "full_name" ? `${x.owner}/${x.name}`.toLowerCase() : sort === "created" ? x.created_at : sort === "updated" ? x.updated_at : x.pushed_at);
  const sorted = [...repos].sort((a, b) => keyOf(a).localeCompare(keyOf(b)) || a.id - b.id);
  return direction === "desc" ? sorted.reverse() : sorted;
}

function send(r: ApiRequest, repos: Repo[]): void {
  const { items, headers } = paginate(r, repos);
  for (const [k, v] of Object.entries(headers)) r.res.setHeader(k, v);
  sendJson(r.res, 200, items.map((x) => minimalRepoJson(r.ctx, x)));
}

function ownedBy(r: ApiRequest, owner: string): Repo[] {
  return r.ctx.db.prepare(`SELECT * FROM gh_repos WHERE lower(owner) = lower(?)`).all(owner) as Repo[];
}

export function registerRepoListRoutes(router: Router): void {
  router.add("GET", "/orgs/{org}/repos", (r) => {
    const org = findUser(r.ctx.db, r.params.org);
    if (!org || org.type !== "Organization") return ghError(r.res, 404, "Not Found");
    const type = r.url.searchParams.get("type") ?? "all";
    const repos = ownedBy(r, org.login).filter((x) => {
      if (!visibleTo(r, x)) return false;
      if (type === "public") return !x.private;
      if (type === "private") return Boolean(x.private);
      if (type === "forks" || type === "internal") return false;
      if (type === "member") return hasPermission(r.ctx, x, r.login, "read") && (r.isAdminToken || r.scopes.includes("repo") || !x.private);
      return true;
    });
    send(r, sortRepos(r, repos, "created"));
  });

  router.add("GET", "/users/{username}/repos", (r) => {
    const user = findUser(r.ctx.db, r.params.username);
    if (!user) return ghError(r.res, 404, "Not Found");
    const type = r.url.searchParams.get("type") ?? "owner";
    // This endpoint lists public repositories only ("Lists public repositories for the specified user").
    const repos = type === "member" ? [] : ownedBy(r, user.login).filter((x) => !x.private);
    send(r, sortRepos(r, repos, "full_name"));
  });
}
