import { withOwnDeckhand } from "./playwright.config";

/**
 * The discovery spec (e2e/fleet-discovery.spec.ts) against a Deckhand of its own that names one repository and
 * discovers the rest of its owner: GITHUB_REPOSITORIES=acme/mcp-servers,acme/* over the sandbox's `fleet` scenario.
 * Same ports and variables as playwright.config.ts: run one configuration at a time.
 * `npx playwright test -c playwright.discovery.config.ts`.
 */
export default withOwnDeckhand("discovery", /fleet-discovery\.spec\.ts/, {
  SANDBOX_SCENARIO: "fleet",
  GITHUB_REPOSITORY: "acme/mcp-servers",
  GITHUB_REPOSITORIES: "acme/mcp-servers,acme/*",
});
