import { callApi } from "../../failures";
import { repoFileText } from "./repo-file-limit";
import type { GitHubClient, GitHubRepoRef } from "../clients";

/**
 * Branches, file writes and pull requests on the repository (GitHub REST "Git references", "Repository contents",
 * "Pulls"). Generic: nothing here knows why a change is proposed. Every function names its GitHub call through
 * `callApi`, so a failure reads "GitHub <call> failed: …"; a 404 where "absent" is an answer becomes null.
 * Writing `.github/workflows/*` needs a token with the `workflow` scope (OAuth) or Workflows: write (fine-grained)
 * besides Contents: write; pull requests need Pull requests: write.
 */

interface Repo {
  github: GitHubClient;
  repo: GitHubRepoRef;
}

/** A text file at a ref: its UTF-8 text and blob sha (the sha a later write must send). */
export interface RepositoryFile {
  text: string;
  sha: string;
}

/** A pull request as Deckhand shows and follows it. Times are ISO 8601 strings as GitHub sends them. */
export interface PullRequestSummary {
  number: number;
  title: string;
  url: string;
  state: "open" | "closed";
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  headRef: string;
  headSha: string;
  baseRef: string;
  createdAt: string;
}

const statusOf = (err: unknown): number | undefined => (typeof (err as { status?: unknown })?.status === "number" ? (err as { status: number }).status : undefined);

/**
 * The HTTP status GitHub answered for a failed call of this module (a CallFailure keeps the Octokit error as its
 * cause), e.g. 409 for a stale file sha, 422 for an existing branch or pull request; undefined for no answer.
 */
export function githubStatusOf(err: unknown): number | undefined {
  return statusOf(err) ?? statusOf((err as { cause?: unknown })?.cause);
}

async function orNullOn404<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/**
 * `GET /repos/{owner}/{repo}/contents/{path}` at `ref` (default branch when absent) → the file's text and blob sha,
 * or null when the path (or ref) does not exist. Throws CallFailure for a directory, a file larger than
 * MAX_REPO_FILE_BYTES (kind bad-data: its text is parsed as YAML, repository content is hostile) or any other failure.
 */
export async function readRepositoryFile({ github, repo, path, ref }: Repo & { path: string; ref?: string }): Promise<RepositoryFile | null> {
  return callApi("github", "get repository content", () =>
    orNullOn404(async () => {
      const res = await github.rest.repos.getContent({ ...repo, path, ...(ref ? { ref } : {}) });
      const data = res.data as { type?: string; encoding?: string; content?: string; sha: string; size?: number };
      if (Array.isArray(res.data) || data.type !== "file" || data.encoding !== "base64" || typeof data.content !== "string") {
        throw new Error(`${path} is not a file GitHub returned as base64`);
      }
      return { text: repoFileText({ path, call: "get repository content", content: data.content, size: data.size }), sha: data.sha };
    }),
  );
}

/** `GET /repos/{owner}/{repo}/git/ref/heads/{branch}` → the branch's commit sha, or null when it does not exist. */
export async function readBranchSha({ github, repo, branch }: Repo & { branch: string }): Promise<string | null> {
  return callApi("github", "get a reference", () => orNullOn404(async () => (await github.rest.git.getRef({ ...repo, ref: `heads/${branch}` })).data.object.sha));
}

/** The repository's default branch name (`GET /repos/{owner}/{repo}`). */
export async function readDefaultBranch({ github, repo }: Repo): Promise<string> {
  return callApi("github", "get a repository", async () => (await github.rest.repos.get({ ...repo })).data.default_branch);
}

/**
 * `POST /repos/{owner}/{repo}/git/refs` creating `refs/heads/{branch}` at `sha`. Throws CallFailure (422
 * "Reference already exists") when the branch exists: read it first with readBranchSha.
 */
export async function createBranch({ github, repo, branch, sha }: Repo & { branch: string; sha: string }): Promise<void> {
  await callApi("github", "create a reference", () => github.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha }));
}

/** `PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}` to `sha`; `force` allows a non-fast-forward (422 otherwise). */
export async function moveBranch({ github, repo, branch, sha, force = false }: Repo & { branch: string; sha: string; force?: boolean }): Promise<void> {
  await callApi("github", "update a reference", () => github.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force }));
}

/**
 * `PUT /repos/{owner}/{repo}/contents/{path}` on `branch`: creates the file (no `sha`) or replaces it (`sha` = the
 * blob sha read before; GitHub answers 409 when it changed since, 422 when omitted for an existing file).
 * One commit; returns its sha.
 */
export async function writeRepositoryFile({
  github,
  repo,
  branch,
  path,
  text,
  message,
  sha,
}: Repo & { branch: string; path: string; text: string; message: string; sha?: string }): Promise<{ commitSha: string }> {
  return callApi("github", "create or update file contents", async () => {
    const res = await github.rest.repos.createOrUpdateFileContents({ ...repo, branch, path, message, content: Buffer.from(text, "utf8").toString("base64"), ...(sha ? { sha } : {}) });
    return { commitSha: res.data.commit.sha ?? "" };
  });
}

/** `DELETE /repos/{owner}/{repo}/contents/{path}` on `branch` (`sha` = the blob sha read before). One commit. */
export async function deleteRepositoryFile({ github, repo, branch, path, message, sha }: Repo & { branch: string; path: string; message: string; sha: string }): Promise<{ commitSha: string }> {
  return callApi("github", "delete a file", async () => {
    const res = await github.rest.repos.deleteFile({ ...repo, branch, path, message, sha });
    return { commitSha: res.data.commit.sha ?? "" };
  });
}

type PullData = {
  number: number;
  title: string;
  html_url: string;
  state: string;
  merged?: boolean;
  merged_at: string | null;
  merge_commit_sha: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  created_at: string;
};

function summary(p: PullData): PullRequestSummary {
  return {
    number: p.number,
    title: p.title,
    url: p.html_url,
    state: p.state === "open" ? "open" : "closed",
    merged: p.merged ?? p.merged_at !== null,
    mergedAt: p.merged_at,
    mergeCommitSha: p.merged_at ? p.merge_commit_sha : null,
    headRef: p.head.ref,
    headSha: p.head.sha,
    baseRef: p.base.ref,
    createdAt: p.created_at,
  };
}

/** `GET /repos/{owner}/{repo}/pulls?state=open&head=owner:branch` → the open pull request from `head`, or null. */
export async function findOpenPullRequest({ github, repo, head }: Repo & { head: string }): Promise<PullRequestSummary | null> {
  return callApi("github", "list pull requests", async () => {
    const res = await github.rest.pulls.list({ ...repo, state: "open", head: `${repo.owner}:${head}`, per_page: 10 });
    const open = res.data.find((p) => p.head.ref === head);
    return open ? summary(open as PullData) : null;
  });
}

/**
 * `POST /repos/{owner}/{repo}/pulls` from branch `head` into `base`. GitHub answers 422 when there are no commits
 * between them or a pull request for `head` is already open (look with findOpenPullRequest first).
 */
export async function openPullRequest({ github, repo, head, base, title, body }: Repo & { head: string; base: string; title: string; body: string }): Promise<PullRequestSummary> {
  return callApi("github", "create a pull request", async () => summary((await github.rest.pulls.create({ ...repo, head, base, title, body })).data as PullData));
}

/** `GET /repos/{owner}/{repo}/pulls/{pull_number}` → state, merged, merge commit, url; null when there is none. */
export async function readPullRequest({ github, repo, number }: Repo & { number: number }): Promise<PullRequestSummary | null> {
  return callApi("github", "get a pull request", () => orNullOn404(async () => summary((await github.rest.pulls.get({ ...repo, pull_number: number })).data as PullData)));
}
