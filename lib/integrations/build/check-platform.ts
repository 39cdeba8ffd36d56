import fsSync from "node:fs";
import path from "node:path";
import { planEmulation, type EmulationDecision } from "../../judgements/push/plan-emulation";
import { createCheckoutReader } from "../git/read-checkout-file";
import { nativeBuildPlatform, type ServiceBuild } from "../git/read-compose";

/** Where the kernel lists binfmt_misc handlers (qemu-user-static + binfmt-support register qemu-<arch> there). */
export const BINFMT_DIR = "/proc/sys/fs/binfmt_misc";

/** A service asks for a platform this worker cannot build; the message says what to install. */
export class PlatformUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlatformUnavailableError";
  }
}

/** True when `<dir>/<handler>` exists and its first line is "enabled" (kernel Documentation/admin-guide/binfmt-misc). */
export function binfmtHandlerEnabled(handler: string, dir = BINFMT_DIR): boolean {
  try {
    return fsSync.readFileSync(path.join(dir, handler), "utf8").split("\n")[0].trim() === "enabled";
  } catch {
    return false;
  }
}

/**
 * Checks, before building, that this worker can build `dockerfile` (its text) for `platform`: natively, without
 * emulation (no RUN step), or through an enabled qemu binfmt handler.
 * @throws PlatformUnavailableError naming the handler and the packages to install
 */
export function checkPlatform(o: { platform: string; native: string; dockerfile: string; binfmtDir?: string }): EmulationDecision {
  const decision = planEmulation({ ...o, handlerEnabled: (h) => binfmtHandlerEnabled(h, o.binfmtDir) });
  if (decision.kind === "missing") throw new PlatformUnavailableError(decision.message);
  return decision;
}

/**
 * A service built for another platform than this worker's: fine without RUN steps, or with qemu's binfmt handler;
 * else it fails before anything is built, saying what to install. The Dockerfile is read through the checkout's
 * containment (an escaping link is refused as everywhere else).
 * @throws PlatformUnavailableError
 */
export async function checkServicePlatform(build: ServiceBuild, checkout: string, log: (line: string) => void, platform = build.features.platform): Promise<void> {
  if (!platform) return;
  const native = nativeBuildPlatform();
  const dockerfile = build.features.dockerfileInline ?? (await createCheckoutReader(checkout)(build.dockerfile ?? "Dockerfile"));
  const decision = checkPlatform({ platform, native, dockerfile });
  if (decision.kind === "no-run-steps") log(`building for ${platform} on a ${native} worker: no RUN step, so no emulation is needed`);
  if (decision.kind === "emulated") log(`building for ${platform} on a ${native} worker: RUN steps run under ${decision.handler}`);
}
