import fs from "node:fs/promises";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import path from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Isolation } from "../../integrations/build/isolation/detect-isolation";
import { buildImage } from "../../integrations/build/build-image";
import { PathEscapeError } from "../../integrations/git/contain-path";
import type { Builder } from "../../integrations/build/detect-builder";
import { pushImage, readPushProgress } from "../../integrations/aws/push-image";
import { nativeBuildPlatform, type ServiceBuild } from "../../integrations/git/read-compose";
import { checkPlatform, PlatformUnavailableError } from "../../integrations/build/check-platform";
import { createCheckoutReader } from "../../integrations/git/read-checkout-file";
import { checkRemoteImage } from "../../integrations/aws/read-remote-image";
import type { BuildCache } from "../../integrations/build/build-cache";


/**
 * One compose service, from checkout to ECR: reproducible build (constant layer timestamp, one layer per
 * instruction, the worker's kept cache when it has one), compare with `latest`, push when it differs. A failure is returned, not thrown, so the job's other services still run; nothing is pushed for a
 * service whose build failed.
 */
export async function pushService({
  ecr,
  builder,
  checkout,
  commit,
  build,
  workRoot,
  isolation,
  buildTimeoutMs,
  cache,
  pullAlways,
  onLog = () => {},
  signal,
}: {
  ecr: ECRClient;
  builder: Builder;
  /** The checkout at `commit` (full history: see readSourceDate). */
  checkout: string;
  commit: string;
  build: ServiceBuild;
  /** Per-job scratch directory; this service uses and removes a subdirectory of it. */
  workRoot: string;
  /** How RUN steps are isolated (the worker's detectIsolation); unset: detected by buildImage. */
  isolation?: Isolation;
  /** Wall-clock limit of this service's build (DECKHAND_BUILD_TIMEOUT), in milliseconds. */
  buildTimeoutMs?: number;
  /** The worker's kept build cache; unset: a store of the build's own. */
  cache?: BuildCache;
  /** Pull every base image again for this build. */
  pullAlways?: boolean;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}): Promise<ServiceOutcome> {
  const outcome: ServiceOutcome = {
    service: build.service,
    repositoryName: build.repositoryName,
    result: "failed",
    reason: "build-failed",
    blobsUploaded: 0,
    bytesUploaded: 0,
    tags: [],
    timings: { buildMs: 0, compareMs: 0, pushMs: 0 },
  };
  const log = (line: string) => onLog(`[${build.service}] ${line}`);
  const workDir = path.join(workRoot, build.service);
  let step = "build";
  try {
    let t = Date.now();
    await checkServicePlatform(build, checkout, log);
    const image = await buildImage({
      builder,
      root: checkout,
      context: path.join(checkout, build.context),
      // An inline Dockerfile (features.dockerfileInline) is written by buildImage outside the context; this path is unused then.
      dockerfile: path.join(checkout, build.dockerfile ?? build.context),
      args: build.args,
      target: build.target,
      features: build.features,
      workDir,
      cache,
      pullAlways,
      isolation,
      timeoutMs: buildTimeoutMs,
      onLine: (line) => log(line),
      signal,
    });
    outcome.localConfigDigest = image.configDigest;
    outcome.localManifestDigest = image.manifestDigest;
    outcome.timings.buildMs = Date.now() - t;
    outcome.imageBlobs = image.blobs.length;
    outcome.imageBytes = image.blobs.reduce((n, b) => n + b.size, 0);
    outcome.steps = image.steps;
    outcome.baseImages = image.baseImages;
    if (pullAlways) outcome.freshBases = true;
    const bases = image.baseImages?.map((b) => `${b.ref}${b.digest ? `@${b.digest.slice(0, 19)}` : ""}`).join(", ");
    log(`built image ${image.configDigest}${image.steps ? ` (${image.steps.cached} of ${image.steps.total} steps cached)` : ""}${bases ? `; base ${bases}` : ""}`);

    step = "compare";
    t = Date.now();
    const remote = await checkRemoteImage({ ecr, repositoryName: build.repositoryName, localConfigDigest: image.configDigest });
    outcome.timings.compareMs = Date.now() - t;
    outcome.remoteManifestDigestBefore = remote.remoteManifestDigest;
    outcome.remoteConfigDigestBefore = remote.decision.remoteConfigDigest;
    outcome.reason = remote.decision.reason;
    if (remote.decision.action === "skip") {
      outcome.result = "skipped";
      log(`unchanged: ${build.repositoryName}:latest already has image ${image.configDigest.slice(0, 19)}; nothing pushed`);
      return outcome;
    }
    log(`pushing (${remote.decision.reason}${"detail" in remote.decision && remote.decision.detail ? `: ${remote.decision.detail}` : ""})`);

    step = "push";
    t = Date.now();
    const tags = [commit.slice(0, 7), "latest"];
    const pushed = await pushImage({ ecr, repositoryName: build.repositoryName, image, tags, onLog: log });
    outcome.timings.pushMs = Date.now() - t;
    outcome.blobsUploaded = pushed.blobsUploaded;
    outcome.bytesUploaded = pushed.bytesUploaded;
    outcome.tags = tags;
    outcome.result = "pushed";
    return outcome;
  } catch (err) {
    outcome.result = "failed";
    // A path that leads out of the checkout is refused before anything is built: nothing is pushed for it.
    outcome.reason = err instanceof PathEscapeError ? "path-outside-repository" : err instanceof PlatformUnavailableError ? "platform-unavailable" : `${step}-failed`;
    outcome.error = (err as Error).message;
    // Blobs that went up before a later step failed (e.g. an immutable latest) are part of the record.
    const progress = readPushProgress(err);
    if (progress) Object.assign(outcome, progress);
    log(`failed to ${step}: ${outcome.error}`);
    return outcome;
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

/**
 * A service built for another platform than this worker's: fine without RUN steps, or with qemu's binfmt handler;
 * else it fails before anything is built, saying what to install. The Dockerfile is read through the checkout's
 * containment (an escaping link is refused as everywhere else).
 * @throws PlatformUnavailableError
 */
async function checkServicePlatform(build: ServiceBuild, checkout: string, log: (line: string) => void): Promise<void> {
  const platform = build.features.platform;
  if (!platform) return;
  const native = nativeBuildPlatform();
  const dockerfile = build.features.dockerfileInline ?? (await createCheckoutReader(checkout)(build.dockerfile ?? "Dockerfile"));
  const decision = checkPlatform({ platform, native, dockerfile });
  if (decision.kind === "no-run-steps") log(`building for ${platform} on a ${native} worker: no RUN step, so no emulation is needed`);
  if (decision.kind === "emulated") log(`building for ${platform} on a ${native} worker: RUN steps run under ${decision.handler}`);
}
