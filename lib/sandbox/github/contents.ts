import { sendJson } from "../http-util";
import { ghError } from "./errors";
import { git, resolveRef } from "./git";
import { repoDir, repoFor } from "./repos";
import type { Router } from "./router";

/**
 * `GET /repos/{owner}/{repo}/contents/{path}` for a file (GitHub REST "Get repository content", `content-file`:
 * base64 `content` in 60-column lines, the blob `sha`), at `ref` (branch, tag or commit; default branch when absent).
 * Read access; a missing path or ref is 404. Directories and symlinks are not served (404): nothing here lists them.
 */
export function registerContentRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/contents/{path}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const dir = repoDir(r.ctx, repo);
    const ref = r.url.searchParams.get("ref") || repo.default_branch;
    const commit = resolveRef(dir, ref);
    const file = r.params.path.replace(/^\/+|\/+$/g, "");
    if (!commit || file === "") return ghError(r.res, 404, "Not Found");
    let mode: string;
    let sha: string;
    try {
      [mode, , sha] = git(dir, ["ls-tree", commit, "--", file]).trim().split(/\s+/);
    } catch {
      return ghError(r.res, 404, "Not Found");
    }
    if (!sha || !mode?.startsWith("100")) return ghError(r.res, 404, "Not Found");
    const bytes = Buffer.from(git(dir, ["cat-file", "blob", sha], {}), "utf8");
    const web = r.ctx.baseUrl();
    const api = `${web}/api/v3/repos/${repo.owner}/${repo.name}`;
    const self = `${api}/contents/${file}?ref=${encodeURIComponent(ref)}`;
    const html = `${web}/${repo.owner}/${repo.name}/blob/${ref}/${file}`;
    const gitUrl = `${api}/git/blobs/${sha}`;
    sendJson(r.res, 200, {
      type: "file",
      encoding: "base64",
      size: bytes.length,
      name: file.split("/").pop(),
      path: file,
      content: (bytes.toString("base64").match(/.{1,60}/g) ?? []).join("\n") + "\n",
      sha,
      url: self,
      git_url: gitUrl,
      html_url: html,
      download_url: `${web}/${repo.owner}/${repo.name}/raw/${ref}/${file}`,
      _links: { self, git: gitUrl, html },
    });
  });
}
