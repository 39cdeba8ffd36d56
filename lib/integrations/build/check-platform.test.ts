import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { binfmtHandlerEnabled, checkPlatform, detectBuildPlatforms, platformBuiltElsewhere, PlatformUnavailableError } from "./check-platform";
import type { ServiceBuild } from "../git/read-compose";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-binfmt-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("checkPlatform over a binfmt_misc directory", () => {
  it("reads a handler as enabled only when its first line says so", () => {
    fs.writeFileSync(path.join(dir, "qemu-aarch64"), "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\n");
    fs.writeFileSync(path.join(dir, "qemu-arm"), "disabled\ninterpreter /usr/libexec/qemu-binfmt/arm-binfmt-P\n");
    expect(binfmtHandlerEnabled("qemu-aarch64", dir)).toBe(true);
    expect(binfmtHandlerEnabled("qemu-arm", dir)).toBe(false);
    expect(binfmtHandlerEnabled("qemu-s390x", dir)).toBe(false);
  });

  it("builds RUN steps through an enabled handler and refuses with what to install without one", () => {
    const run = "FROM alpine\nRUN true\n";
    expect(checkPlatform({ platform: "linux/arm64", native: "linux/amd64", dockerfile: run, binfmtDir: dir })).toEqual({ kind: "emulated", handler: "qemu-aarch64" });
    expect(() => checkPlatform({ platform: "linux/arm/v7", native: "linux/amd64", dockerfile: run, binfmtDir: dir })).toThrow(PlatformUnavailableError);
    expect(() => checkPlatform({ platform: "linux/s390x", native: "linux/amd64", dockerfile: run, binfmtDir: dir })).toThrow(/qemu-s390x is not enabled: install qemu-user-static and binfmt-support/);
    expect(checkPlatform({ platform: "linux/s390x", native: "linux/amd64", dockerfile: "FROM scratch\nCOPY a /a\n", binfmtDir: dir })).toEqual({ kind: "no-run-steps" });
  });
});

describe("the platforms a worker reports", () => {
  it("are its own, those with an enabled qemu handler, and those the operator declares, once each", () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-binfmt-report-"));
    try {
      expect(detectBuildPlatforms({ native: "linux/amd64", binfmtDir: d })).toEqual(["linux/amd64"]);
      fs.writeFileSync(path.join(d, "qemu-aarch64"), "enabled\n");
      fs.writeFileSync(path.join(d, "qemu-s390x"), "disabled\n");
      // Its own architecture's handler (qemu-x86_64 on an amd64 host) adds nothing.
      fs.writeFileSync(path.join(d, "qemu-x86_64"), "enabled\n");
      expect(detectBuildPlatforms({ native: "linux/amd64", binfmtDir: d })).toEqual(["linux/amd64", "linux/arm64"]);
      expect(detectBuildPlatforms({ native: "linux/amd64", binfmtDir: d, declared: ["linux/arm64", "linux/riscv64"] })).toEqual(["linux/amd64", "linux/arm64", "linux/riscv64"]);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it("decide which service waits for another worker: RUN steps for a platform the worker does not report; never a RUN-free build", async () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-elsewhere-"));
    try {
      fs.writeFileSync(path.join(repo, "Run.Dockerfile"), "FROM alpine\nRUN apk add curl\n");
      fs.writeFileSync(path.join(repo, "Copy.Dockerfile"), "FROM scratch\nCOPY a /a\n");
      const build = (dockerfile: string, features: ServiceBuild["features"]): ServiceBuild =>
        ({ service: "s", repositoryName: "s", context: ".", dockerfile, args: {}, features, line: 1 }) as ServiceBuild;
      const amd = ["linux/amd64"];
      expect(await platformBuiltElsewhere(build("Run.Dockerfile", { platform: "linux/arm64" } as ServiceBuild["features"]), repo, amd)).toBe("linux/arm64");
      expect(await platformBuiltElsewhere(build("Run.Dockerfile", { platform: "linux/arm64" } as ServiceBuild["features"]), repo, [...amd, "linux/arm64/v8"])).toBeUndefined();
      expect(await platformBuiltElsewhere(build("Copy.Dockerfile", { platform: "linux/arm64" } as ServiceBuild["features"]), repo, amd)).toBeUndefined();
      expect(await platformBuiltElsewhere(build("Run.Dockerfile", {} as ServiceBuild["features"]), repo, amd)).toBeUndefined();
      expect(await platformBuiltElsewhere(build("Run.Dockerfile", { platforms: ["linux/amd64", "linux/s390x"] } as ServiceBuild["features"]), repo, amd)).toBe("linux/s390x");
      const inline = { service: "s", repositoryName: "s", context: ".", args: {}, features: { platform: "linux/arm64", dockerfileInline: "FROM alpine\nRUN true\n" }, line: 1 } as ServiceBuild;
      expect(await platformBuiltElsewhere(inline, repo, amd)).toBe("linux/arm64");
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });
});
