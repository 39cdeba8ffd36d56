import { readBody, sendJson } from "../http-util";
import { ghError, parseJsonBody } from "./errors";
import { git, readCommit, resolveRef } from "./git";
import { commitFileChange, fileAt, identityOf, updateRefAndNotify, type Identity } from "./git-writes";
import { repoDir, repoFor, type Repo } from "./repos";
import type { ApiRequest, Router } from "./router";

/**
 * `GET /repos/{owner}/{repo}/contents/{path}` for a file (GitHub REST "Get repository content", `content-file`:
 * base64 `content` in 60-column lines, the blob `sha`), at `ref` (branch, tag or commit; default branch when absent).
 * Read access; a missing path or ref is 404. Directories and symlinks are not served (404): nothing here lists them.
 */
/**
 * A file at a commit is immutable (the commit names its tree by hash), and so the same in every repository holding
 * that commit (the large fleet's copies): kept here so reading one workflow file from 200 repositories spawns git
 * once per repository (the ref), not three times. Bounded; oldest dropped first.
 */
const filesAtCommit = new Map<string, { sha: string; bytes: Buffer } | null>();
const FILES_AT_COMMIT_MAX = 1000;

function servedFileAt(dir: string, commit: string, file: string): { sha: string; bytes: Buffer } | null {
  const key = `${commit}\0${file}`;
  const known = filesAtCommit.get(key);
  if (known !== undefined) return known;
  let found: { sha: string; bytes: Buffer } | null = null;
  try {
    const [mode, , sha] = git(dir, ["ls-tree", commit, "--", file]).trim().split(/\s+/);
    if (sha && mode?.startsWith("100")) found = { sha, bytes: Buffer.from(git(dir, ["cat-file", "blob", sha], {}), "utf8") };
  } catch {
    found = null;
  }
  if (filesAtCommit.size >= FILES_AT_COMMIT_MAX) filesAtCommit.delete(filesAtCommit.keys().next().value!);
  filesAtCommit.set(key, found);
  return found;
}

export function registerContentRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/contents/{path}", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    const dir = repoDir(r.ctx, repo);
    const ref = r.url.searchParams.get("ref") || repo.default_branch;
    const commit = resolveRef(dir, ref);
    const file = r.params.path.replace(/^\/+|\/+$/g, "");
    if (!commit || file === "") return ghError(r.res, 404, "Not Found");
    const blob = servedFileAt(dir, commit, file);
    if (!blob) return ghError(r.res, 404, "Not Found");
    const { sha, bytes } = blob;
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

  router.add("PUT", "/repos/{owner}/{repo}/contents/{path}", (r) => writeFile(r, "put"));
  router.add("DELETE", "/repos/{owner}/{repo}/contents/{path}", (r) => writeFile(r, "delete"));
}

function personFrom(v: unknown, fallback: Identity): Identity {
  if (!v || typeof v !== "object") return fallback;
  const o = v as Record<string, unknown>;
  return typeof o.name === "string" && typeof o.email === "string" ? { name: o.name, email: o.email } : fallback;
}

function fileCommitJson(r: ApiRequest, repo: Repo, file: string, branch: string, commitSha: string, blob: { sha: string; size: number } | null) {
  const web = r.ctx.baseUrl();
  const api = `${web}/api/v3/repos/${repo.owner}/${repo.name}`;
  const c = readCommit(repoDir(r.ctx, repo), commitSha)!;
  const self = `${api}/contents/${file}?ref=${encodeURIComponent(branch)}`;
  const html = `${web}/${repo.owner}/${repo.name}/blob/${branch}/${file}`;
  return {
    content: blob
      ? {
          name: file.split("/").pop(),
          path: file,
          sha: blob.sha,
          size: blob.size,
          url: self,
          html_url: html,
          git_url: `${api}/git/blobs/${blob.sha}`,
          download_url: `${web}/${repo.owner}/${repo.name}/raw/${branch}/${file}`,
          type: "file",
          _links: { self, git: `${api}/git/blobs/${blob.sha}`, html },
        }
      : null,
    commit: {
      sha: c.sha,
      node_id: Buffer.from(`04:Commit${repo.id}:${c.sha}`).toString("base64"),
      url: `${api}/git/commits/${c.sha}`,
      html_url: `${web}/${repo.owner}/${repo.name}/commit/${c.sha}`,
      author: { date: c.author.date, name: c.author.name, email: c.author.email },
      committer: { date: c.committer.date, name: c.committer.name, email: c.committer.email },
      message: c.message,
      tree: { url: `${api}/git/trees/${c.tree}`, sha: c.tree },
      parents: c.parents.map((p) => ({ url: `${api}/git/commits/${p}`, html_url: `${web}/${repo.owner}/${repo.name}/commit/${p}`, sha: p })),
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    },
  };
}

/**
 * `PUT /repos/{owner}/{repo}/contents/{path}` (GitHub REST "Create or update file contents": `message`, base64
 * `content`, `branch` (default branch when absent), `sha` of the blob being replaced, optional `author`/`committer`)
 * and `DELETE` the same path (`message`, `sha`, `branch`). One real commit on the branch each, as the token's user
 * unless `author`/`committer` are given; 201 when the file is created, 200 when updated or deleted (`content: null`).
 * As GitHub answers: 422 `Invalid request.\n\n"sha" wasn't supplied.` when the file exists and no sha is sent,
 * 409 `{path} does not match {sha}` for another sha, 404 `Not Found` for deleting a missing file, 404
 * `Branch {b} not found`. Needs push access (Contents: write). The branch moves like a push (webhooks, workflows).
 */
async function writeFile(r: ApiRequest, kind: "put" | "delete"): Promise<void> {
  const repo = repoFor(r, "write");
  if (!repo) return;
  const body = parseJsonBody(await readBody(r.req, 100 << 20));
  const dir = repoDir(r.ctx, repo);
  const file = r.params.path.replace(/^\/+|\/+$/g, "");
  if (typeof body.message !== "string") return ghError(r.res, 422, `Invalid request.\n\n"message" wasn't supplied.`);
  if (kind === "put" && typeof body.content !== "string") return ghError(r.res, 422, `Invalid request.\n\n"content" wasn't supplied.`);
  if (file === "" || file.split("/").some((seg) => seg === "" || seg === "." || seg === ".." || seg === ".git")) return ghError(r.res, 422, "path is invalid");
  // Workflow files need more than Contents: write: the `workflow` scope (OAuth; without it GitHub answers 404, as
  // for a path it will not show) or Workflows: write (fine-grained, 403).
  if (file.startsWith(".github/workflows/")) {
    if (r.grant && r.grant.permissions.workflows !== "write") {
      r.res.setHeader("x-accepted-github-permissions", "contents=write; workflows=write");
      return ghError(r.res, 403, "Resource not accessible by personal access token");
    }
    if (!r.grant && !r.isAdminToken && !r.scopes.includes("workflow")) return ghError(r.res, 404, "Not Found");
  }
  const branch = typeof body.branch === "string" && body.branch ? body.branch.replace(/^refs\/heads\//, "") : repo.default_branch;
  const ref = `refs/heads/${branch}`;
  let head: string | null = null;
  try {
    head = /^[\w./-]+$/.test(branch) ? git(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim() : null;
  } catch {
    head = null;
  }
  if (!head) return ghError(r.res, 404, `Branch ${branch} not found`);
  const existing = fileAt(dir, head, file);
  if (kind === "delete" && !existing) return ghError(r.res, 404, "Not Found");
  if (existing && body.sha === undefined) return ghError(r.res, 422, `Invalid request.\n\n"sha" wasn't supplied.`);
  if (existing && body.sha !== existing.sha) return ghError(r.res, 409, `${file} does not match ${String(body.sha)}`);
  let content: Buffer | null = null;
  if (kind === "put") {
    const b64 = String(body.content).replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return ghError(r.res, 422, "content is not valid Base64");
    content = Buffer.from(b64, "base64");
  }
  const me = identityOf(r.ctx, r.login);
  const author = personFrom(body.author, personFrom(body.committer, me));
  const committer = personFrom(body.committer, me);
  const commit = commitFileChange(r.ctx, dir, { parent: head, file, content, message: body.message, author, committer });
  if (!updateRefAndNotify(r.ctx, repo, r.login, ref, head, commit)) return ghError(r.res, 409, `${branch} is at a newer commit than ${head}`);
  const blob = content ? fileAt(dir, commit, file) : null;
  sendJson(r.res, kind === "put" && !existing ? 201 : 200, fileCommitJson(r, repo, file, branch, commit, blob ? { sha: blob.sha, size: content!.length } : null));
}
