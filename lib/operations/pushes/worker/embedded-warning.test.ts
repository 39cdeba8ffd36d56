import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-embedded-live-"));
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts the embedded worker as `npm start` does, until it has said `until`; returns what it printed. */
function startUntil(env: Record<string, string>, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "lib/operations/pushes/worker/main.ts", "--embedded"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const seen = (d: Buffer) => {
      out += d.toString();
      if (until.test(out)) child.kill("SIGTERM");
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("error", reject);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe("the embedded worker in live mode", () => {
  it("says at start that builds belong on standalone workers, and where its scratch is", async () => {
    const out = await startUntil(
      {
        DECKHAND_MODE: "live",
        DECKHAND_URL: "https://deckhand.example.com",
        GITHUB_REPOSITORY: "acme/mcp-servers",
        GITHUB_TOKEN: "ghp_livetokennotusedinthistest000000000",
        GITHUB_OAUTH_CLIENT_ID: "id",
        GITHUB_OAUTH_CLIENT_SECRET: "secret",
        NEXTAUTH_SECRET: "x".repeat(32),
        DECKHAND_OPERATORS: "alice",
        AWS_REGION: "us-east-1",
        DECKHAND_DATA_DIR: path.join(tmp, "data"),
      },
      /waiting for push jobs/,
    );
    expect(out).toMatch(/WARNING: this embedded worker builds untrusted commits on the host that holds Deckhand's own AWS and GitHub credentials/);
    expect(out).toContain("npm run worker");
    expect(out).toContain(`scratch and mirrors in ${path.join(tmp, "data")}-worker`);
  }, 90_000);
});
