import { afterAll, beforeAll } from "vitest";
import type { SandboxOptions } from "../../sandbox/context";
import { startTestSandbox, type TestSandbox } from "./sandbox-fixture";

/**
 * One test sandbox for the file: started before its tests, closed after them. The handle forwards to
 * the running sandbox, so tests write `sbx.clients`, `sbx.admin(...)` as with startTestSandbox.
 */
export function sharedTestSandbox(overrides: Partial<SandboxOptions> = {}, opts: { validateGitHubOpenApi?: boolean } = {}): TestSandbox {
  let current: TestSandbox | undefined;
  beforeAll(async () => {
    current = await startTestSandbox(overrides, opts);
  }, 60_000);
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestSandbox, {
    get(_target, key) {
      if (!current) throw new Error("the test sandbox is used before it started (use it inside tests and hooks)");
      const value = current[key as keyof TestSandbox];
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}
