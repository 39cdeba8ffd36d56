// GitHub Actions' OIDC issuer as AWS sees it (GitHub docs, "Configuring OpenID Connect in Amazon Web Services";
// AWS IAM User Guide, "Configuring a role for GitHub OIDC identity provider").

/** The issuer's host: the IAM OIDC provider's URL without `https://`, and the prefix of its condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const STS_AUDIENCE = "sts.amazonaws.com";
export const AUD_KEY = `${GITHUB_OIDC_HOST}:aud`;

/** The IAM OIDC provider's ARN in an account. */
export const githubProviderArn = (accountId: string) => `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;

/** The role's default name, from the push user's (`github-ecr-push` → `github-ecr-push-oidc`), within IAM's 64 characters. */
export function defaultRoleName(pushUser: string): string {
  const base = pushUser.replace(/[^\w+=,.@-]/g, "-").slice(0, 59);
  return `${base}-oidc`;
}
