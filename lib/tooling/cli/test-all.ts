/**
 * `npm test`: the whole suite, as CI runs it. Installs the Debian packages the tests need when
 * missing, then lint (ESLint and the import-cycle check), typecheck, unit tests (vitest) and end-to-end
 * tests (Playwright + chromium).
 * Ends with one line "N passed, N failed" over all tests.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureSystemDeps } from "./system-deps";

const root = process.cwd();
// Not test-results/: Playwright empties that folder when it starts.
const out = path.join(root, ".deckhand-test");
fs.mkdirSync(out, { recursive: true });
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

function step(name: string, cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  console.log(`=== ${name}: ${r.status === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s ===`);
  return r.status === 0;
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

ensureSystemDeps();

const results: Record<string, boolean> = {};
// npm run lint: ESLint, then madge's import-cycle check (no cycle anywhere, the sandbox included).
results.lint = step("lint", "npm", ["run", "--silent", "lint"]);
results.typecheck = step("typecheck", bin("tsc"), ["--noEmit"]);
const vitestJson = path.join(out, "vitest.json");
results.unit = step("unit tests (vitest)", bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
const pwJson = path.join(out, "playwright.json");
results.e2e = step("end-to-end tests (playwright)", bin("playwright"), ["test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });

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
const failed = unit.failed + e2e.failed + failedSteps.filter((s) => s === "lint" || s === "typecheck").length;
console.log(`${unit.passed + e2e.passed} passed, ${failed} failed`);
process.exit(failedSteps.length ? 1 : 0);
