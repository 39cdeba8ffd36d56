import { readBody, sendJson } from "../http-util";
import { ghError, parseJsonBody } from "./errors";
import { git, isAncestor, listRefs, readCommit, ZERO_SHA } from "./git";
import { updateRefAndNotify } from "./git-writes";
import { repoDir, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";

/** GitHub's `git-ref` shape for a full ref name (`refs/heads/main`). */
export function refJson(r: ApiRequest, repo: Repo, ref: string, sha: string) {
  const api = `${r.ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}`;
  return {
    ref,
    node_id: Buffer.from(`011:Ref${repo.id}:${ref}`).toString("base64"),
    url: `${api}/git/${ref}`,
    object: { type: "commit", sha, url: `${api}/git/commits/${sha}` },
  };
}

function validRefName(dir: string, ref: string): boolean {
  if (!/^refs\/[^/]+\/.+/.test(ref)) return false;
  try {
    git(dir, ["check-ref-format", ref]);
    return true;
  } catch {
    return false;
  }
}

const isSha = (s: unknown): s is string => typeof s === "string" && /^[0-9a-f]{40}$/.test(s);

/**
 * Git references (GitHub REST "Git references"), over the real bare repository:
 * `GET /repos/{owner}/{repo}/git/ref/{ref}` (`heads/x`, `tags/v1`; 404 `Not Found`),
 * `POST …/git/refs` `{ ref: "refs/heads/x", sha }` (201; 422 `Reference already exists`, `Object does not exist`,
 * a malformed name), `PATCH …/git/refs/{ref}` `{ sha, force? }` (200; 422 `Update is not a fast forward`,
 * `Reference does not exist`) and `DELETE …/git/refs/{ref}` (204; 422 `Reference does not exist`). Reading needs
 * read access (Contents: read), writing push access (Contents: write). Each change fires the push side effects
 * (`push` webhook with created/deleted/forced, workflow triggers) as a git push would.
 */
export function registerRefRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/git/ref/{ref}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const full = `refs/${r.params.ref.replace(/^refs\//, "")}`;
    const sha = listRefs(repoDir(r.ctx, repo)).get(full);
    if (!sha) return ghError(r.res, 404, "Not Found");
    sendJson(r.res, 200, refJson(r, repo, full, sha));
  });

  router.add("POST", "/repos/{owner}/{repo}/git/refs", async (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const dir = repoDir(r.ctx, repo);
    if (typeof body.ref !== "string") return ghError(r.res, 422, `Invalid request.\n\n"ref" wasn't supplied.`);
    if (typeof body.sha !== "string") return ghError(r.res, 422, `Invalid request.\n\n"sha" wasn't supplied.`);
    if (!validRefName(dir, body.ref)) return ghError(r.res, 422, "Reference name is not valid. It must start with 'refs/' and have at least two slashes.");
    if (!isSha(body.sha) || !readCommit(dir, body.sha)) return ghError(r.res, 422, "Object does not exist");
    if (listRefs(dir).has(body.ref)) return ghError(r.res, 422, "Reference already exists");
    if (!updateRefAndNotify(r.ctx, repo, r.login, body.ref, ZERO_SHA, body.sha)) return ghError(r.res, 422, "Reference already exists");
    sendJson(r.res, 201, refJson(r, repo, body.ref, body.sha), { location: `${r.ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}/git/${body.ref}` });
  });

  router.add("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}", async (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const dir = repoDir(r.ctx, repo);
    const full = `refs/${r.params.ref.replace(/^refs\//, "")}`;
    const current = listRefs(dir).get(full);
    if (typeof body.sha !== "string") return ghError(r.res, 422, `Invalid request.\n\n"sha" wasn't supplied.`);
    if (!current) return ghError(r.res, 422, "Reference does not exist");
    if (!isSha(body.sha) || !readCommit(dir, body.sha)) return ghError(r.res, 422, "Object does not exist");
    if (body.force !== true && !isAncestor(dir, current, body.sha)) return ghError(r.res, 422, "Update is not a fast forward");
    if (current !== body.sha && !updateRefAndNotify(r.ctx, repo, r.login, full, current, body.sha)) {
      return ghError(r.res, 422, "Reference cannot be updated");
    }
    sendJson(r.res, 200, refJson(r, repo, full, body.sha));
  });

  router.add("DELETE", "/repos/{owner}/{repo}/git/refs/{ref}", (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const dir = repoDir(r.ctx, repo);
    const full = `refs/${r.params.ref.replace(/^refs\//, "")}`;
    const current = listRefs(dir).get(full);
    if (!current) return ghError(r.res, 422, "Reference does not exist");
    if (full === `refs/heads/${repo.default_branch}`) return ghError(r.res, 422, "Cannot delete the default branch");
    if (!updateRefAndNotify(r.ctx, repo, r.login, full, current, ZERO_SHA)) return ghError(r.res, 422, "Reference does not exist");
    r.res.writeHead(204).end();
  });
}
