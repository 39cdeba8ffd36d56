/**
 * `npm test`: the whole suite, as CI runs it. Installs the Debian packages the tests need when
 * missing, then lint (ESLint and the import-cycle check), typecheck, unit tests (vitest) and end-to-end
 * tests (Playwright + chromium).
 * Ends with one line "N passed, N failed" over all tests.
 *
 * Nothing is left behind, whatever happens: each step runs in its own process group, which is killed when the
 * step ends (passed, failed, or npm test itself interrupted); the Deckhand that Playwright starts (web server,
 * sandbox, worker) also stops on its own once its parent is gone (lib/infra/exit-with-parent.ts); and after
 * the end-to-end step the e2e ports must be free again, or the run fails saying what still listens.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ensureSystemDeps } from "./system-deps";
import { E2E_PORT, E2E_SANDBOX_PORT } from "../../../playwright.config";

const root = process.cwd();
// Not test-results/: Playwright empties that folder when it starts.
const out = path.join(root, ".deckhand-test");
fs.mkdirSync(out, { recursive: true });
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

let running: ChildProcess | null = null;

/** Kills a step's whole process group (the step and everything it started that stayed in its group). */
function killGroup(child: ChildProcess | null, signal: NodeJS.Signals = "SIGKILL"): void {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* the group is already gone */
  }
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    console.error(`\nnpm test: ${sig}; stopping the running step and everything it started.`);
    killGroup(running, "SIGTERM");
    setTimeout(() => {
      killGroup(running);
      process.exit(130);
    }, 3000).unref();
  });
}
process.on("exit", () => killGroup(running));

async function step(name: string, cmd: string, args: string[], env: Record<string, string> = {}): Promise<boolean> {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...env }, detached: true });
  running = child;
  const code = await new Promise<number | null>((resolve) => {
    child.once("exit", (c) => resolve(c));
    child.once("error", () => resolve(1));
  });
  // Whatever the step left in its group goes with it (a test that failed mid-way, a server it forgot).
  killGroup(child, "SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  killGroup(child);
  running = null;
  console.log(`=== ${name}: ${code === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s ===`);
  return code === 0;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/** The e2e ports are free again within `waitMs` (Deckhand's children notice their parent is gone within ~1 s). */
async function portsLeftBehind(ports: number[], waitMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const busy = (await Promise.all(ports.map(async (p) => ((await listening(p)) ? p : null)))).filter((p): p is number => p !== null);
    if (busy.length === 0 || Date.now() > deadline) return busy;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function count(file: string, pick: (j: unknown) => { passed: number; failed: number }): { passed: number; failed: number } {
  try {
    return pick(JSON.parse(fs.readFileSync(file, "utf8")));
  } catch {
    return { passed: 0, failed: 0 };
  }
}

function failedTestLines(vitestFile: string, pwFile: string): string[] {
  const lines: string[] = [];
  const firstLine = (m: unknown) => String(m ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim())?.trim().slice(0, 300) ?? "";
  try {
    type V = { testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[] };
    const v = JSON.parse(fs.readFileSync(vitestFile, "utf8")) as V;
    for (const file of v.testResults) {
      const rel = path.relative(root, file.name);
      const failed = file.assertionResults.filter((a) => a.status === "failed");
      for (const a of failed) lines.push(`FAILED unit ${rel} > ${a.fullName}: ${firstLine(a.failureMessages[0])}`);
      if (!failed.length && file.status === "failed") lines.push(`FAILED unit ${rel}: ${firstLine(file.message)}`);
    }
  } catch {
    /* no report: the step's own output says why */
  }
  try {
    type Spec = { title: string; file: string; ok: boolean; tests: { results: { error?: { message?: string } }[] }[] };
    type Suite = { specs?: Spec[]; suites?: Suite[] };
    const walk = (s: Suite): void => {
      for (const spec of s.specs ?? []) {
        if (spec.ok) continue;
        const err = spec.tests.flatMap((t) => t.results).map((r) => r.error?.message).find(Boolean);
        lines.push(`FAILED e2e ${spec.file} > ${spec.title}: ${firstLine(err)}`);
      }
      for (const child of s.suites ?? []) walk(child);
    };
    walk(JSON.parse(fs.readFileSync(pwFile, "utf8")) as Suite);
  } catch {
    /* as above */
  }
  return lines;
}

async function main() {
  ensureSystemDeps();

  const results: Record<string, boolean> = {};
  // DECKHAND_TEST_STEPS=e2e (comma-separated: lint, typecheck, unit, e2e) runs some steps only, and E2E_SPECS
  // some specs only: e.g. to check that a failing spec still leaves nothing behind.
  const only = process.env.DECKHAND_TEST_STEPS?.split(",").map((x) => x.trim()) ?? ["lint", "typecheck", "unit", "e2e"];
  // npm run lint: ESLint, then madge's import-cycle check (no cycle anywhere, the sandbox included).
  if (only.includes("lint")) results.lint = await step("lint", "npm", ["run", "--silent", "lint"]);
  if (only.includes("typecheck")) results.typecheck = await step("typecheck", bin("tsc"), ["--noEmit"]);
  const vitestJson = path.join(out, "vitest.json");
  if (only.includes("unit")) results.unit = await step("unit tests (vitest)", bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
  const pwJson = path.join(out, "playwright.json");
  const specs = process.env.E2E_SPECS ? process.env.E2E_SPECS.split(/\s+/).filter(Boolean) : [];
  if (only.includes("e2e")) results.e2e = await step("end-to-end tests (playwright)", bin("playwright"), ["test", "--reporter=list,json", ...specs], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
  // The fleet specs run against Deckhands of their own that watch several repositories (their own webServer).
  if (only.includes("e2e") && specs.length === 0) {
    results.e2eFleet = await step("end-to-end tests, several repositories (playwright.fleet.config.ts)", bin("playwright"), ["test", "-c", "playwright.fleet.config.ts", "--reporter=list"]);
    // Owner wildcards (GITHUB_REPOSITORIES=acme/*): repositories discovered rather than named, another Deckhand.
    results.e2eDiscovery = await step("end-to-end tests, discovered repositories (playwright.discovery.config.ts)", bin("playwright"), ["test", "-c", "playwright.discovery.config.ts", "--reporter=list"]);
  }
  const leftBehind = only.includes("e2e") ? await portsLeftBehind([E2E_PORT, E2E_SANDBOX_PORT]) : [];
  if (leftBehind.length) {
    console.log(`FAILED: something still listens on port ${leftBehind.join(" and ")} after the end-to-end tests (ss -ltnp shows what)`);
    results.cleanup = false;
  }

  const unit = count(vitestJson, (j) => {
    const v = j as { numPassedTests: number; numFailedTests: number };
    return { passed: v.numPassedTests, failed: v.numFailedTests };
  });
  const e2e = count(pwJson, (j) => {
    const s = (j as { stats: { expected: number; unexpected: number; flaky: number } }).stats;
    return { passed: s.expected + s.flaky, failed: s.unexpected };
  });
  // CI shows only the end of the output: name what failed there, so one flaky test is findable.
  for (const line of failedTestLines(vitestJson, pwJson)) console.log(line);

  const failedSteps = Object.entries(results).filter(([, ok]) => !ok).map(([k]) => k);
  console.log(`\nunit: ${unit.passed} passed, ${unit.failed} failed; e2e: ${e2e.passed} passed, ${e2e.failed} failed; failed steps: ${failedSteps.join(", ") || "none"}`);
  // A failed lint or typecheck step counts as one failure in the closing line.
  const failed = unit.failed + e2e.failed + failedSteps.filter((s) => s === "lint" || s === "typecheck" || s === "cleanup").length;
  console.log(`${unit.passed + e2e.passed} passed, ${failed} failed`);
  process.exit(failedSteps.length ? 1 : 0);
}

void main();
