// GitHub Actions' OIDC issuer as AWS sees it (GitHub docs, "Configuring OpenID Connect in Amazon Web Services";
// AWS IAM User Guide, "Configuring a role for GitHub OIDC identity provider").

import { createHash } from "node:crypto";

/** The issuer's host: the IAM OIDC provider's URL without `https://`, and the prefix of its condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const STS_AUDIENCE = "sts.amazonaws.com";
export const AUD_KEY = `${GITHUB_OIDC_HOST}:aud`;

/** The IAM OIDC provider's ARN in an account. */
export const githubProviderArn = (accountId: string) => `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;

/** IAM role names: at most 64 characters of `[\w+=,.@-]` (IAM API Reference, CreateRole, RoleName). */
const ROLE_NAME_MAX = 64;
const roleSafe = (s: string) => s.replace(/[^\w+=,.@-]/g, "-");

/**
 * The role Deckhand proposes for a repository's move, within IAM's 64 characters:
 * - the default repository (`repository` null): the push user's name + `-oidc` (`github-ecr-push` →
 *   `github-ecr-push-oidc`), the name moves made before several repositories were served already use;
 * - another repository: + `-oidc-OWNER+NAME` (`github-ecr-push-oidc-acme+web-gateway`: `+` is in IAM's role name
 *   characters and in no GitHub owner or repository name, so `acme/web-gateway` and `acme-web/gateway` differ). One role per repository,
 *   because a role's trust is pinned to one repository's subjects: a role shared by the push user's repositories
 *   would need its trust widened (which Deckhand never does silently) for every repository that moves.
 * A name longer than 64 characters keeps its start and ends with 8 hex characters of the SHA-256 of the repository
 * (lower-cased), so two long names never meet. Pure; never throws.
 */
export function defaultRoleName(pushUser: string, repository: string | null = null): string {
  if (repository === null) return `${roleSafe(pushUser).slice(0, ROLE_NAME_MAX - 5)}-oidc`;
  const full = `${roleSafe(pushUser)}-oidc-${roleSafe(repository.replace("/", "+"))}`;
  if (full.length <= ROLE_NAME_MAX) return full;
  const hash = createHash("sha256").update(repository.toLowerCase()).digest("hex").slice(0, 8);
  return `${full.slice(0, ROLE_NAME_MAX - 9)}-${hash}`;
}
