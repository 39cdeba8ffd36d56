/**
 * Whether building a Dockerfile for a platform other than the worker's needs CPU emulation, and which binfmt_misc
 * handler provides it. Only RUN steps execute the image's binaries; FROM, COPY, ADD, LABEL and the like only move
 * files and metadata, so `FROM scratch` + COPY builds for any platform without emulation.
 */

/**
 * True when the Dockerfile has a RUN instruction (continuation lines and comments understood; a heredoc line that
 * starts with RUN counts too, which only errs on the safe side). ONBUILD RUN does not run in this build.
 */
export function hasRunSteps(dockerfile: string): boolean {
  let continued = false;
  for (const raw of dockerfile.split(/\r?\n/)) {
    const line = raw.trim();
    if (continued) {
      continued = line.endsWith("\\");
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    continued = line.endsWith("\\");
    if (/^run(\s|\\|$)/i.test(line)) return true;
  }
  return false;
}

/** qemu-user-static's binfmt_misc handler names (/proc/sys/fs/binfmt_misc/qemu-<name>) by OCI architecture. */
const QEMU_NAMES: Record<string, string> = {
  amd64: "x86_64",
  "386": "i386",
  arm64: "aarch64",
  arm: "arm",
  ppc64le: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  mips64le: "mips64el",
  loong64: "loongarch64",
};

/** Every platform qemu-user-static can emulate through a binfmt_misc handler ("linux/arm64", ...). */
export const EMULATABLE_PLATFORMS: readonly string[] = Object.keys(QEMU_NAMES).map((arch) => `linux/${arch}`);

/** The binfmt_misc handler name for an OCI platform ("linux/arm64" → "qemu-aarch64"), undefined when qemu has none. */
export function binfmtHandlerName(platform: string): string | undefined {
  const [, arch] = platform.split("/");
  const name = arch ? QEMU_NAMES[arch] : undefined;
  return name ? `qemu-${name}` : undefined;
}

/** Same OS and architecture (a variant such as v8 of the same arch runs natively). */
export function isNativePlatform(platform: string, native: string): boolean {
  const [os, arch] = platform.split("/");
  const [nos, narch] = native.split("/");
  return os === nos && arch === narch;
}

export type EmulationDecision =
  | { kind: "native" }
  | { kind: "no-run-steps" }
  | { kind: "emulated"; handler: string }
  | { kind: "missing"; handler?: string; message: string };

/**
 * How a Dockerfile builds for `platform` on a worker whose own platform is `native`. `handlerEnabled` answers whether
 * /proc/sys/fs/binfmt_misc/<handler> exists and is enabled.
 */
export function planEmulation(o: { platform: string; native: string; dockerfile: string; handlerEnabled: (handler: string) => boolean }): EmulationDecision {
  if (isNativePlatform(o.platform, o.native)) return { kind: "native" };
  if (!hasRunSteps(o.dockerfile)) return { kind: "no-run-steps" };
  const handler = binfmtHandlerName(o.platform);
  if (handler && o.handlerEnabled(handler)) return { kind: "emulated", handler };
  return {
    kind: "missing",
    handler,
    message: handler
      ? `${o.platform} RUN steps need emulation on this ${o.native} worker, and binfmt handler ${handler} is not enabled: install qemu-user-static and binfmt-support (apt-get install qemu-user-static binfmt-support), or build this service on a ${o.platform} worker`
      : `${o.platform} RUN steps cannot run on this ${o.native} worker (no qemu emulation for it): build this service on a ${o.platform} worker`,
  };
}
