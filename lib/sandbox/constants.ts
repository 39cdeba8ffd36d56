/**
 * Fixed identities of the sandbox that Deckhand's sandbox-mode configuration points at.
 * Kept free of server imports so the app's config can use them.
 */
export const SANDBOX_DEFAULT_PORT = 4566;

export const SANDBOX_OAUTH_APP = {
  clientId: "Ov23liDeckhandSandbox",
  clientSecret: "deckhand-sandbox-oauth-secret",
  callbackUrl: "http://localhost:3000/api/auth/callback/github",
  name: "Deckhand (sandbox)",
};

/** GitHub administrator token of the sandbox (full access to the seeded repository). */
export const SANDBOX_GITHUB_ADMIN_TOKEN = "ghp_sandboxadmintoken";
export const SANDBOX_REPOSITORY = "acme/mcp-servers";
export const SANDBOX_WEBHOOK_SECRET = "deckhand-sandbox-webhook-secret";
export const SANDBOX_ADMIN_TOKEN = "sandbox-admin-token";

/** The AWS documentation's example key pair: the sandbox's administrator. */
export const SANDBOX_AWS_ADMIN = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
export const SANDBOX_ACCOUNT_ID = "123456789012";

/**
 * A fine-grained personal access token of `octo-operator` (GitHub's `github_pat_` format: 22 + 59 characters),
 * selected repository `acme/mcp-servers`, permissions Contents: read (and the implied Metadata: read). What
 * Deckhand hands its workers in sandbox mode: it can fetch the code and nothing else.
 */
export const SANDBOX_GITHUB_WORKER_TOKEN = "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";

/**
 * The push users of the `fleet` scenario at `--scale large` (IAM users with the guide's policy and one key each):
 * its 200 repositories are spread over them, the first being the guide's own `github-ecr-push`.
 */
export const SANDBOX_FLEET_PUSH_USERS = ["github-ecr-push", "ecr-push-payments", "ecr-push-search", "ecr-push-data", "ecr-push-edge"] as const;
