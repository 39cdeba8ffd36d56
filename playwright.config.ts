import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests drive Debian's chromium (`npx playwright install` cannot work on these machines)
 * against a real Deckhand started by `npm start` in sandbox mode, on ports of its own.
 */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 4610);
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR ?? ".deckhand-e2e";
const baseURL = `http://localhost:${E2E_PORT}`;

export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
};

const config = defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    launchOptions: chromiumLaunch,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    // fleet.spec.ts, fleet-failures.spec.ts and fleet-discovery.spec.ts need several repositories: they run under
    // playwright.fleet.config.ts and playwright.discovery.config.ts, each against its own Deckhand.
    { name: "chromium", testMatch: /.*\.spec\.ts/, testIgnore: /fleet(-discovery|-failures)?\.spec\.ts/, dependencies: ["setup"] },
  ],
  webServer: {
    // exec: npm start is the runner's own child, so it (and what it started) stops when the runner dies (exit-with-parent).
    command: `rm -rf ${E2E_DATA_DIR} ${E2E_DATA_DIR}-worker && exec node --import tsx lib/tooling/cli/start.ts`,
    url: `${baseURL}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DECKHAND_MODE: "sandbox",
      PORT: String(E2E_PORT),
      SANDBOX_PORT: String(E2E_SANDBOX_PORT),
      DECKHAND_DATA_DIR: E2E_DATA_DIR,
      DECKHAND_URL: baseURL,
    },
  },
});

export default config;

/**
 * A configuration whose one project (`name`, the specs `testMatch` selects) runs against a Deckhand of its own,
 * started like the default one with `env` added (e.g. another sandbox scenario, GITHUB_REPOSITORIES). Same ports,
 * data directory and browser: run one configuration at a time. Used by playwright.fleet.config.ts and
 * playwright.discovery.config.ts.
 */
export function withOwnDeckhand(name: string, testMatch: RegExp, env: Record<string, string>) {
  const webServer = Array.isArray(config.webServer) ? config.webServer[0] : config.webServer!;
  return defineConfig({
    ...config,
    projects: [
      { name: "setup", testMatch: /auth\.setup\.ts/ },
      { name, testMatch, dependencies: ["setup"] },
    ],
    webServer: { ...webServer, env: { ...webServer.env, ...env } },
  });
}
