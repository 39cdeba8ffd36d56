import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** Runs the real launcher with a bad setting: it must stop with one line naming it, starting nothing. */
function startWith(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "lib/tooling/cli/start.ts"], {
      // A clean environment: nothing of the caller's DECKHAND_* settings leaks in.
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", PORT: "3391", SANDBOX_PORT: "4691", ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("exit", (code) => resolve({ code, stderr, stdout }));
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-start-"));
// Even root cannot create a directory below a regular file.
const fileInTheWay = path.join(tmp, "file");
fs.writeFileSync(fileInTheWay, "x");

describe("npm start with bad configuration", () => {
  it.each([
    ["GITHUB_REPOSITORY", { DECKHAND_MODE: "live", DECKHAND_DATA_DIR: tmp }],
    ["PORT", { PORT: "99999", DECKHAND_DATA_DIR: tmp }],
    ["DECKHAND_MODE", { DECKHAND_MODE: "staging", DECKHAND_DATA_DIR: tmp }],
    ["DECKHAND_DATA_DIR", { DECKHAND_DATA_DIR: path.join(fileInTheWay, "sub") }],
  ])("stops with one line naming %s and starts nothing", async (setting, env) => {
    const { code, stderr, stdout } = await startWith(env as Record<string, string>);
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Deckhand cannot start: ${setting} `));
    expect(stdout).not.toMatch(/building|listening|starting at/i);
    expect(await listening(3391)).toBe(false);
    expect(await listening(4691)).toBe(false);
  });

  it("refuses a port that is already taken, naming it", async () => {
    const blocker = net.createServer().listen(3391, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    try {
      const { code, stderr } = await startWith({ DECKHAND_DATA_DIR: tmp });
      expect(code).toBe(1);
      expect(stderr.trim()).toMatch(/^Deckhand cannot start: PORT 3391 is already in use/);
      expect(await listening(4691)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

describe("npm start without an image builder", () => {
  it("warns at start, before building, that pushes will fail", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-start-nobuilder-"));
    // PATH without buildah or docker; the launcher itself runs from process.execPath.
    const child = spawn(process.execPath, ["--import", "tsx", "lib/tooling/cli/start.ts"], {
      env: { PATH: "", HOME: process.env.HOME ?? "/root", PORT: "3231", SANDBOX_PORT: "4731", DECKHAND_DATA_DIR: dir } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no warning within 60 s:\n${out}`)), 60_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          if (/no image builder/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.once("exit", () => (clearTimeout(timer), reject(new Error(`exited before warning:\n${out}`))));
      });
      expect(out).toMatch(/WARNING: no image builder/);
      expect(out).toMatch(/every push will fail until buildah/);
      expect(out.indexOf("no image builder")).toBeLessThan(out.indexOf("building the app") === -1 ? Infinity : out.indexOf("building the app"));
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
