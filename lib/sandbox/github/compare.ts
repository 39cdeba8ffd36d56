import { sendJson } from "../http-util";
import { commitJson } from "./commits";
import { ghError } from "./errors";
import { git, isAncestor, logCommits, readCommit, resolveRef } from "./git";
import { linkHeader, pageOf } from "./pagination";
import { repoDir, repoFor } from "./repos";
import type { Router } from "./router";

/**
 * `GET /repos/{owner}/{repo}/branches/{branch}` (GitHub's `branch-with-protection`; the sandbox protects no
 * branch) and `GET /repos/{owner}/{repo}/compare/{basehead}` (`commit-comparison`: status ahead / behind /
 * identical / diverged of head relative to base, ahead_by, behind_by, total_commits, the commits base..head in
 * chronological order, at most 250 without paging parameters, the most recent last; changed files from the merge
 * base to head). Both read the real bare repository.
 */
export function registerBranchAndCompareRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/branches/{branch}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const dir = repoDir(r.ctx, repo);
    const name = decodeURIComponent(r.params.branch);
    const sha = /^[\w./-]+$/.test(name) ? branchSha(dir, name) : null;
    const c = sha ? readCommit(dir, sha) : null;
    if (!c) return ghError(r.res, 404, "Branch not found");
    const api = `${r.ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}`;
    sendJson(r.res, 200, {
      name,
      commit: commitJson(r.ctx, repo, c),
      _links: { html: `${r.ctx.baseUrl()}/${repo.owner}/${repo.name}/tree/${name}`, self: `${api}/branches/${name}` },
      protected: false,
      protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
      protection_url: `${api}/branches/${name}/protection`,
    });
  });

  router.add("GET", "/repos/{owner}/{repo}/compare/{basehead}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const dir = repoDir(r.ctx, repo);
    const basehead = decodeURIComponent(r.params.basehead);
    const m = /^(.+?)\.{2,3}(.+)$/.exec(basehead);
    if (!m) return ghError(r.res, 404, "Not Found");
    const [, baseRef, headRef] = m;
    const base = resolveRef(dir, baseRef);
    const head = resolveRef(dir, headRef);
    if (!base || !head) return ghError(r.res, 404, "Not Found");
    let mergeBase: string;
    try {
      mergeBase = git(dir, ["merge-base", base, head]).trim();
    } catch {
      return ghError(r.res, 404, `No common ancestor between ${baseRef} and ${headRef}.`);
    }
    const aheadBy = Number(git(dir, ["rev-list", "--count", `${base}..${head}`]).trim());
    const behindBy = Number(git(dir, ["rev-list", "--count", `${head}..${base}`]).trim());
    const status = base === head ? "identical" : isAncestor(dir, base, head) ? "ahead" : isAncestor(dir, head, base) ? "behind" : "diverged";
    const q = r.url.searchParams;
    const paged = q.has("per_page") || q.has("page");
    const p = pageOf(r);
    // GitHub lists base..head oldest first; without paging the last 250, so the newest is last.
    const all = logCommits(dir, { from: [head], not: [base] }).reverse();
    const commits = paged ? all.slice(p.offset, p.offset + p.perPage) : all.slice(-250);
    const files = paged && p.offset > 0 ? [] : diffFiles(dir, mergeBase, head, r.ctx.baseUrl(), `${repo.owner}/${repo.name}`);
    const web = `${r.ctx.baseUrl()}/${repo.owner}/${repo.name}`;
    const api = `${r.ctx.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}`;
    sendJson(
      r.res,
      200,
      {
        url: `${api}/compare/${baseRef}...${headRef}`,
        html_url: `${web}/compare/${baseRef}...${headRef}`,
        permalink_url: `${web}/compare/${repo.owner}:${base.slice(0, 7)}...${repo.owner}:${head.slice(0, 7)}`,
        diff_url: `${web}/compare/${baseRef}...${headRef}.diff`,
        patch_url: `${web}/compare/${baseRef}...${headRef}.patch`,
        base_commit: commitJson(r.ctx, repo, readCommit(dir, base)!),
        merge_base_commit: commitJson(r.ctx, repo, readCommit(dir, mergeBase)!),
        status,
        ahead_by: aheadBy,
        behind_by: behindBy,
        total_commits: aheadBy,
        commits: commits.map((c) => commitJson(r.ctx, repo, c)),
        files,
      },
      paged ? linkHeader(r, p, all.length) : {},
    );
  });
}

function branchSha(dir: string, name: string): string | null {
  try {
    return git(dir, ["rev-parse", "--verify", "--quiet", `refs/heads/${name}^{commit}`]).trim() || null;
  } catch {
    return null;
  }
}

/** GitHub's `diff-entry` list from `from` to `to` (at most 300 files, as GitHub shows). */
function diffFiles(dir: string, from: string, to: string, web: string, full: string) {
  const status = git(dir, ["diff", "--no-renames", "--name-status", from, to]).trim();
  const numstat = git(dir, ["diff", "--no-renames", "--numstat", from, to]).trim();
  const counts = new Map<string, [number, number]>();
  for (const line of numstat ? numstat.split("\n") : []) {
    const [a, d, f] = line.split("\t");
    counts.set(f, [Number(a) || 0, Number(d) || 0]);
  }
  return (status ? status.split("\n") : []).slice(0, 300).map((line) => {
    const [s, filename] = line.split("\t");
    const [additions, deletions] = counts.get(filename) ?? [0, 0];
    const blob = git(dir, ["rev-parse", `${s === "D" ? from : to}:${filename}`]).trim();
    return {
      sha: blob,
      filename,
      status: s === "A" ? "added" : s === "D" ? "removed" : "modified",
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${web}/${full}/blob/${to}/${filename}`,
      raw_url: `${web}/${full}/raw/${to}/${filename}`,
      contents_url: `${web}/api/v3/repos/${full}/contents/${filename}?ref=${to}`,
    };
  });
}
