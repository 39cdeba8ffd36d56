import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const INPUTS = ["app", "components", "lib", "public", "next.config.ts", "proxy.ts", "instrumentation.ts", "package-lock.json", "tsconfig.json", "postcss.config.mjs"];
const SKIP = /(\.test\.tsx?$|^node_modules$|^\.next$|^fixtures$)/;

/**
 * A fingerprint of what `next build` consumes (paths and contents): rebuild when it changes. Contents, not
 * mtimes: `npm install` with nothing to change rewrites package-lock.json, and a checkout touches files,
 * without changing what the build would produce.
 */
export function sourceFingerprint(root: string): string {
  const hash = createHash("sha256");
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) if (!SKIP.test(name)) walk(path.join(rel, name));
    } else {
      hash.update(`${rel}\0${st.size}\0`);
      hash.update(fs.readFileSync(abs));
      hash.update("\n");
    }
  };
  INPUTS.forEach(walk);
  return hash.digest("hex");
}

const STAMP = path.join(".next", "deckhand-fingerprint");

export function buildIsCurrent(root: string): boolean {
  try {
    if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) return false;
    return fs.readFileSync(path.join(root, STAMP), "utf8").trim() === sourceFingerprint(root);
  } catch {
    return false;
  }
}

export function stampBuild(root: string): void {
  fs.writeFileSync(path.join(root, STAMP), sourceFingerprint(root));
}
