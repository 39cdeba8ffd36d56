import fs from "node:fs/promises";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import path from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Isolation } from "../../integrations/build/isolation/detect-isolation";
import { buildImage } from "../../integrations/build/build-image";
import { PathEscapeError } from "../../integrations/git/contain-path";
import type { Builder } from "../../integrations/build/detect-builder";
import { pushImage, readPushProgress } from "../../integrations/aws/push-image";
import type { ServiceBuild } from "../../integrations/git/read-compose";
import { checkRemoteImage, readTagDigest } from "../../integrations/aws/read-remote-image";
import type { BuildCache } from "../../integrations/build/build-cache";
import { digestBuildInputs } from "../../integrations/git/build-inputs";
import { decideEarlySkip } from "../../judgements/push/decide-early-skip";
import type { ImageInputs } from "./build-records";
import type { RegistryCache } from "../../integrations/aws/registry-cache";


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
  knownInputs = [],
  registryCache,
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
  /** Recorded build inputs of recent images (the claim's): equal inputs behind `latest` decide "unchanged" unbuilt. */
  knownInputs?: ImageInputs[];
  /** The shared build cache in the registry (openRegistryCache), when the worker has one. */
  registryCache?: RegistryCache;
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
    // Skip early: every input identical to those recorded for the image latest points to means nothing can change.
    const inputs = await digestBuildInputs({
      checkout,
      build,
      builder: builder.kind,
      baseDigest: (ref) => (cache && builder.kind === "buildah" ? cache.baseDigest(builder.path, ref) : Promise.resolve(undefined)),
    }).catch((err: Error) => (err instanceof PathEscapeError ? Promise.reject(err) : { known: false as const, why: err.message }));
    if (inputs.known) outcome.inputsDigest = inputs.digest;
    const latestDigest = inputs.known && !pullAlways ? await readTagDigest({ ecr, repositoryName: build.repositoryName }) : null;
    const early = decideEarlySkip({ repository: build.repositoryName, inputsDigest: outcome.inputsDigest ?? null, freshBases: !!pullAlways, latestDigest, known: knownInputs });
    outcome.timings.inputsMs = Date.now() - t;
    if (early.skip) {
      outcome.result = "skipped";
      outcome.reason = "inputs-match";
      outcome.remoteManifestDigestBefore = early.imageDigest;
      log(`unchanged: every build input equals those of ${build.repositoryName}:latest (${early.imageDigest.slice(0, 19)}); not built, nothing pushed`);
      return outcome;
    }
    log(`building: ${inputs.known ? `inputs ${inputs.digest.slice(7, 19)} (${early.why})` : inputs.why}`);
    t = Date.now();
    const image = await buildImage({
      builder,
      root: checkout,
      context: path.join(checkout, build.context),
      dockerfile: path.join(checkout, build.dockerfile),
      args: build.args,
      target: build.target,
      workDir,
      cache,
      pullAlways,
      registryCache,
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
    outcome.reason = err instanceof PathEscapeError ? "path-outside-repository" : `${step}-failed`;
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
