import { describe, expect, it } from "vitest";
import { binfmtHandlerName, hasRunSteps, isNativePlatform, planEmulation } from "./plan-emulation";

describe("hasRunSteps", () => {
  it("finds RUN in any case and form, not in comments or continuation lines", () => {
    expect(hasRunSteps("FROM scratch\nCOPY a /a\n")).toBe(false);
    expect(hasRunSteps("FROM alpine\nrun echo hi\n")).toBe(true);
    expect(hasRunSteps("FROM alpine\n  RUN\techo hi\n")).toBe(true);
    expect(hasRunSteps('FROM alpine\nRUN ["/bin/true"]\n')).toBe(true);
    expect(hasRunSteps("FROM alpine\n# RUN echo hi\nCOPY a /a\n")).toBe(false);
    expect(hasRunSteps("FROM alpine\nLABEL a=1 \\\n  RUN=2\nCOPY a /a\n")).toBe(false);
    expect(hasRunSteps("FROM alpine\nRUN \\\n  echo hi\n")).toBe(true);
    expect(hasRunSteps("FROM alpine\nONBUILD RUN make\n")).toBe(false);
    expect(hasRunSteps("FROM alpine\r\nRUN x\r\n")).toBe(true);
    expect(hasRunSteps("FROM alpine\nRUNNER=1\n")).toBe(false);
  });
});

describe("planEmulation", () => {
  const none = () => false;
  it("is native for the worker's platform, whatever the variant", () => {
    expect(planEmulation({ platform: "linux/amd64", native: "linux/amd64", dockerfile: "RUN x", handlerEnabled: none })).toEqual({ kind: "native" });
    expect(isNativePlatform("linux/arm64/v8", "linux/arm64")).toBe(true);
    expect(isNativePlatform("windows/amd64", "linux/amd64")).toBe(false);
  });
  it("needs no emulation without RUN steps (FROM scratch + COPY)", () => {
    expect(planEmulation({ platform: "linux/arm64", native: "linux/amd64", dockerfile: "FROM scratch\nCOPY a /a\n", handlerEnabled: none })).toEqual({ kind: "no-run-steps" });
  });
  it("uses an enabled qemu handler, else names what to install", () => {
    const df = "FROM alpine\nRUN apk add curl\n";
    expect(planEmulation({ platform: "linux/arm64", native: "linux/amd64", dockerfile: df, handlerEnabled: (h) => h === "qemu-aarch64" })).toEqual({
      kind: "emulated",
      handler: "qemu-aarch64",
    });
    const missing = planEmulation({ platform: "linux/arm64", native: "linux/amd64", dockerfile: df, handlerEnabled: none });
    expect(missing).toMatchObject({ kind: "missing", handler: "qemu-aarch64" });
    expect(missing.kind === "missing" && missing.message).toMatch(/qemu-aarch64 is not enabled: install qemu-user-static and binfmt-support/);
    expect(planEmulation({ platform: "linux/sparc", native: "linux/amd64", dockerfile: df, handlerEnabled: () => true })).toMatchObject({ kind: "missing", handler: undefined });
  });
  it("names qemu's handlers by OCI architecture", () => {
    expect(binfmtHandlerName("linux/amd64")).toBe("qemu-x86_64");
    expect(binfmtHandlerName("linux/arm/v7")).toBe("qemu-arm");
    expect(binfmtHandlerName("linux")).toBeUndefined();
  });
});
