import fsSync from "node:fs";
import path from "node:path";
import { binfmtHandlerName, EMULATABLE_PLATFORMS, isNativePlatform, planEmulation, type EmulationDecision } from "../../judgements/push/plan-emulation";
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
 * The platforms this worker can build RUN steps for: its own (nativeBuildPlatform) and each one whose qemu binfmt
 * handler is enabled, plus any the operator declares (DECKHAND_WORKER_PLATFORMS), without duplicates. Reported
 * with every claim and heartbeat so a service goes to a worker that can build it (issue 14).
 */
export function detectBuildPlatforms(o: { declared?: readonly string[]; binfmtDir?: string; native?: string } = {}): string[] {
  const native = o.native ?? nativeBuildPlatform();
  const emulated = EMULATABLE_PLATFORMS.filter((p) => !isNativePlatform(p, native) && binfmtHandlerEnabled(binfmtHandlerName(p)!, o.binfmtDir));
  return [...new Set([native, ...emulated, ...(o.declared ?? [])])];
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
 * The first of a service's platforms whose RUN steps this worker cannot build: not among `platforms` (what the
 * worker reports) and not buildable without emulation (a Dockerfile with no RUN step builds anywhere, as
 * planEmulation decides). Undefined when the worker can build them all. The Dockerfile is read through the
 * checkout's containment.
 */
export async function platformBuiltElsewhere(build: ServiceBuild, checkout: string, platforms: readonly string[]): Promise<string | undefined> {
  const wanted = build.features.platforms?.length ? build.features.platforms : build.features.platform ? [build.features.platform] : [];
  const missing = wanted.filter((p) => !platforms.some((w) => isNativePlatform(p, w)));
  if (!missing.length) return undefined;
  const dockerfile = build.features.dockerfileInline ?? (await createCheckoutReader(checkout)(build.dockerfile ?? "Dockerfile"));
  // Native to nobody here and with RUN steps: planEmulation says "missing" when no handler is enabled either.
  return missing.find((p) => planEmulation({ platform: p, native: platforms[0] ?? nativeBuildPlatform(), dockerfile, handlerEnabled: () => false }).kind !== "no-run-steps");
}

/**
 * A service built for another platform than this worker's: fine without RUN steps, or with qemu's binfmt handler;
 * else it fails before anything is built, saying what to install. The Dockerfile is read through the checkout's
 * containment (an escaping link is refused as everywhere else).
 * @throws PlatformUnavailableError
 */
export async function checkServicePlatform(
  build: ServiceBuild,
  checkout: string,
  log: (line: string) => void,
  platform = build.features.platform,
  declared: readonly string[] = [],
): Promise<void> {
  if (!platform) return;
  const native = nativeBuildPlatform();
  if (!isNativePlatform(platform, native) && declared.includes(platform)) {
    // The operator said this worker builds it (DECKHAND_WORKER_PLATFORMS): its emulation is trusted, not checked.
    log(`building for ${platform} on a ${native} worker: declared buildable by DECKHAND_WORKER_PLATFORMS`);
    return;
  }
  const dockerfile = build.features.dockerfileInline ?? (await createCheckoutReader(checkout)(build.dockerfile ?? "Dockerfile"));
  const decision = checkPlatform({ platform, native, dockerfile });
  if (decision.kind === "no-run-steps") log(`building for ${platform} on a ${native} worker: no RUN step, so no emulation is needed`);
  if (decision.kind === "emulated") log(`building for ${platform} on a ${native} worker: RUN steps run under ${decision.handler}`);
}
