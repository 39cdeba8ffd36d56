import { defineConfig } from "@playwright/test";
import base, { E2E_DATA_DIR } from "./playwright.config";

/**
 * The discovery spec (e2e/fleet-discovery.spec.ts) against a Deckhand of its own that names one repository and
 * discovers the rest of its owner: GITHUB_REPOSITORIES=acme/mcp-servers,acme/* over the sandbox's `fleet` scenario.
 * Same ports and variables as playwright.config.ts: run one configuration at a time.
 * `npx playwright test -c playwright.discovery.config.ts`.
 */
const webServer = Array.isArray(base.webServer) ? base.webServer[0] : base.webServer!;

export default defineConfig({
  ...base,
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    { name: "discovery", testMatch: /fleet-discovery\.spec\.ts/, dependencies: ["setup"] },
  ],
  webServer: {
    ...webServer,
    command: `rm -rf ${E2E_DATA_DIR} ${E2E_DATA_DIR}-worker && exec node --import tsx lib/tooling/cli/start.ts`,
    env: {
      ...webServer.env,
      SANDBOX_SCENARIO: "fleet",
      GITHUB_REPOSITORY: "acme/mcp-servers",
      GITHUB_REPOSITORIES: "acme/mcp-servers,acme/*",
    },
  },
});
