import { withOwnDeckhand } from "./playwright.config";

/**
 * The fleet spec (e2e/fleet.spec.ts) against a Deckhand of its own that watches several repositories: the sandbox's
 * `fleet` scenario and GITHUB_REPOSITORIES naming its three, acme/web-gateway with a push user of its own
 * (ecr-push-payments: the spec creates it and puts its key in the organization secret that reaches web-gateway alone,
 * e2e/support/second-push-user.ts). The other specs keep the one-repository Deckhand of playwright.config.ts, so
 * nothing they see changes. Same ports and
 * variables (E2E_PORT, E2E_SANDBOX_PORT, E2E_DATA_DIR): run one configuration at a time.
 * e2e/fleet-failures.spec.ts runs here too (the Fleet page with IAM failing, and on an empty account).
 * `npx playwright test -c playwright.fleet.config.ts`.
 */
export default withOwnDeckhand("fleet", /fleet(-failures)?\.spec\.ts/, {
  SANDBOX_SCENARIO: "fleet",
  GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway:ecr-push-payments,acme/billing-worker",
});
