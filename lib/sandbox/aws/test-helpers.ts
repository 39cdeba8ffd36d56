import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { ECRClient } from "@aws-sdk/client-ecr";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { defaultSandboxOptions, startSandbox, type RunningSandbox } from "../server";
import type { SandboxOptions } from "../context";
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from "./errors";

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

export const ADMIN: Creds = { accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY };

/** Test-only: a sandbox on port 0 in a fresh temp dir, plus real SDK clients and the AWS CLI v2 pointed at it. */
export async function startTestSandbox(overrides: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const dataDir = overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-aws-"));
  const sb = await startSandbox(defaultSandboxOptions({ port: 0, dataDir, keyPropagationMs: 300, ...overrides }));
  return new TestSandbox(sb, dataDir, !overrides.dataDir);
}

export class TestSandbox {
  constructor(
    public sb: RunningSandbox,
    public dataDir: string,
    /** The data dir was made for this sandbox: close() removes it. */
    private ownsDataDir = false,
  ) {}

  get url(): string {
    return this.sb.url;
  }

  private config(creds: Creds, region: string) {
    // maxAttempts 1: tests assert the first response, the SDK must not retry throttles for us.
    return { endpoint: this.url, region, credentials: creds, maxAttempts: 1 };
  }

  iam(creds: Creds = ADMIN) {
    return new IAMClient(this.config(creds, "us-east-1"));
  }
  sts(creds: Creds = ADMIN, region = "us-east-1") {
    return new STSClient(this.config(creds, region));
  }
  ecr(creds: Creds = ADMIN, region = "us-east-1") {
    return new ECRClient(this.config(creds, region));
  }
  cloudtrail(creds: Creds = ADMIN, region = "us-east-1") {
    return new CloudTrailClient(this.config(creds, region));
  }

  /** Run AWS CLI v2 (/usr/bin/aws, never the v1 on PATH) against the sandbox. */
  cli(args: string[], creds: Creds = ADMIN, region = "us-east-1", env: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        "/usr/bin/aws",
        [...args, "--endpoint-url", this.url, "--output", "json"],
        {
          env: {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: this.dataDir,
            AWS_ACCESS_KEY_ID: creds.accessKeyId,
            AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
            AWS_DEFAULT_REGION: region,
            AWS_CONFIG_FILE: "/dev/null",
            AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
            AWS_PAGER: "",
            ...env,
          } as unknown as NodeJS.ProcessEnv,
          maxBuffer: 64 * 1024 * 1024,
          encoding: "utf8",
        },
        (err: (Error & { code?: unknown }) | null, stdout: string, stderr: string) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary CLI JSON; tests assert its shape (see shape-check.ts)
          let json: any;
          try {
            json = stdout.trim() ? JSON.parse(stdout) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ code, stdout, stderr, json });
        },
      );
    });
  }

  async close(): Promise<void> {
    await this.sb.close();
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  async seedShared(): Promise<{ pushUserKey?: Creds; workerKey?: Creds; partialKeyNotHeld?: boolean }> {
    const res = await fetch(`${this.url}/_sandbox/aws/seed`, { headers: { authorization: `Bearer ${this.sb.ctx.options.adminToken}` } });
    return (await res.json()) as { pushUserKey?: Creds; workerKey?: Creds; partialKeyNotHeld?: boolean };
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary CLI JSON; tests assert its shape (see shape-check.ts)
  json: any;
}

/** The error an SDK call fails with, as tests compare it (name, message, HTTP status); throws if the call succeeds. */
export async function sdkErrorOf(p: Promise<unknown>): Promise<{ name: string; message: string; status: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata: { httpStatusCode: number } };
    return { name: err.name, message: err.message, status: err.$metadata.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

/** Wait until a freshly created key has propagated (the sandbox refuses it for keyPropagationMs). */
export const waitPropagation = (ms = 350) => new Promise((r) => setTimeout(r, ms));
