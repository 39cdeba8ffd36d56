import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { binfmtHandlerEnabled, checkPlatform, PlatformUnavailableError } from "./check-platform";

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
