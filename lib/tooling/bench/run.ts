/**
 * `npm run bench [-- name-filter]`: runs every bench/*.bench.ts in turn; each prints its own figures.
 * Benchmarks measure, they do not pass or fail: goals are printed beside the figures.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

async function main() {
  const filter = process.argv[2];
  const dir = path.dirname(new URL(import.meta.url).pathname);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => !filter || f.includes(filter))
    .sort();
  if (files.length === 0) {
    console.log(`no benchmarks match ${filter ?? "(all)"}`);
    return;
  }
  for (const f of files) {
    console.log(`\n=== ${f} ===`);
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default: () => Promise<void> };
    const started = Date.now();
    await mod.default();
    console.log(`(${f} took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
