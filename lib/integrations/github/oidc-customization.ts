// The repository's OIDC subject-claim template: GET /repos/{owner}/{repo}/actions/oidc/customization/sub (REST
// "Actions OIDC"). `use_default: true` → `repo:OWNER/REPO:CONTEXT`; otherwise `include_claim_keys` in order.
// `sub_claim_prefix` (when GitHub sends it) is the repo part runs present, e.g. GitHub's immutable
// `repo:OWNER@ID/REPO@ID` form.

import type { GitHubClient, GitHubRepoRef } from "../clients";
import type { SubClaimTemplate } from "../../judgements/oidc/workflow-subjects";

/** The template, mapped to plain data; a 404 (no customisation readable for this repository) is GitHub's default. */
export async function getSubClaimTemplate({ github, repo }: { github: GitHubClient; repo: GitHubRepoRef }): Promise<SubClaimTemplate> {
  const fallback = `repo:${repo.owner}/${repo.repo}`;
  try {
    const { data } = await github.rest.actions.getCustomOidcSubClaimForRepo({ ...repo });
    const d = data as { use_default?: boolean; include_claim_keys?: string[]; sub_claim_prefix?: string };
    const prefix = typeof d.sub_claim_prefix === "string" && d.sub_claim_prefix.startsWith("repo:") ? d.sub_claim_prefix : fallback;
    return { useDefault: d.use_default !== false, includeClaimKeys: Array.isArray(d.include_claim_keys) ? d.include_claim_keys.filter((k) => typeof k === "string") : [], prefix };
  } catch (err) {
    if ((err as { status?: number }).status === 404) return { useDefault: true, includeClaimKeys: [], prefix: fallback };
    throw err;
  }
}
