import fs from "node:fs/promises";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import path from "node:path";
import { buildImage } from "../../integrations/build/build-image";
import { pushImage } from "../../integrations/aws/push-image";
import { checkServicePlatform } from "../../integrations/build/check-platform";
import { pushServiceIndex } from "./push-service-index";
import { recordFailure, startOutcome, type PushServiceInput } from "./service-outcome-steps";
import { checkRemoteImage, readTagDigest } from "../../integrations/aws/read-remote-image";
import { PathEscapeError } from "../../integrations/git/contain-path";
import { digestBuildInputs } from "../../integrations/git/build-inputs";
import { decideEarlySkip } from "../../judgements/push/decide-early-skip";


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
}: PushServiceInput): Promise<ServiceOutcome> {
  // Several platforms: one build each, pushed as an image index (push-service-index.ts; no early skip there yet).
  if (build.features.platforms?.length) return pushServiceIndex({ ecr, builder, checkout, commit, build, workRoot, isolation, buildTimeoutMs, cache, pullAlways, registryCache, onLog, signal });
  const outcome = startOutcome(build);
  const log = (line: string) => onLog(`[${build.service}] ${line}`);
  const workDir = path.join(workRoot, build.service);
  let step = "build";
  try {
    let t = Date.now();
    await checkServicePlatform(build, checkout, log);
    // compose `pull` and `no_cache` ask for a real build, as an operator's "fresh base images" does.
    const forceBuild = !!(pullAlways || build.features.pull || build.features.noCache);
    // Skip early: every input identical to those recorded for the image latest points to means nothing can change.
    const inputs = await digestBuildInputs({
      checkout,
      build,
      builder: builder.kind,
      baseDigest: (ref) => (cache && builder.kind === "buildah" ? cache.baseDigest(builder.path, ref) : Promise.resolve(undefined)),
    }).catch((err: Error) => (err instanceof PathEscapeError ? Promise.reject(err) : { known: false as const, why: err.message }));
    if (inputs.known) outcome.inputsDigest = inputs.digest;
    const latestDigest = inputs.known && !forceBuild ? await readTagDigest({ ecr, repositoryName: build.repositoryName }) : null;
    const early = decideEarlySkip({ repository: build.repositoryName, inputsDigest: outcome.inputsDigest ?? null, freshBases: forceBuild, latestDigest, known: knownInputs });
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
      // An inline Dockerfile (features.dockerfileInline) is written by buildImage outside the context; this path is unused then.
      dockerfile: path.join(checkout, build.dockerfile ?? build.context),
      args: build.args,
      target: build.target,
      features: build.features,
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
    // Inputs read before the build miss a base it pulled (missing, due for a refresh, or asked fresh): recorded
    // with the digests the build used, so the next push of the same inputs can skip early.
    if (cache && builder.kind === "buildah" && (!inputs.known || forceBuild || image.baseImages?.some((b) => b.pulled))) {
      const used = new Map((image.baseImages ?? []).map((b) => [b.ref, b.digest]));
      const after = await digestBuildInputs({ checkout, build, builder: builder.kind, baseDigest: async (ref) => used.get(ref) }).catch(() => null);
      outcome.inputsDigest = after?.known ? after.digest : undefined;
    }
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
    // A path out of the checkout or a platform this worker cannot build is refused before anything is built.
    recordFailure(outcome, err, step);
    log(`failed to ${step}: ${outcome.error}`);
    return outcome;
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

