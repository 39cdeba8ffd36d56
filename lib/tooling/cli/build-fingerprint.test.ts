import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sourceFingerprint } from "./build-fingerprint";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-fingerprint-"));
  fs.mkdirSync(path.join(root, "app"));
  fs.writeFileSync(path.join(root, "app", "page.tsx"), "export default function Page() { return null; }\n");
  fs.writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("sourceFingerprint", () => {
  it("does not change when npm install rewrites package-lock.json with the same content (new mtime)", () => {
    const before = sourceFingerprint(root);
    const lock = path.join(root, "package-lock.json");
    fs.writeFileSync(lock, fs.readFileSync(lock));
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(lock, later, later);
    fs.utimesSync(path.join(root, "app", "page.tsx"), later, later);
    expect(sourceFingerprint(root)).toBe(before);
  });

  it("changes when a source or the lock file changes, even at the same size", () => {
    const before = sourceFingerprint(root);
    fs.writeFileSync(path.join(root, "app", "page.tsx"), "export default function Page() { return 1111; }\n".slice(0, 48) + "\n");
    const afterSource = sourceFingerprint(root);
    expect(afterSource).not.toBe(before);
    fs.writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":4}\n');
    expect(sourceFingerprint(root)).not.toBe(afterSource);
  });

  it("ignores tests beside the code", () => {
    const before = sourceFingerprint(root);
    fs.writeFileSync(path.join(root, "app", "page.test.ts"), "it('x', () => {});\n");
    expect(sourceFingerprint(root)).toBe(before);
  });
});
