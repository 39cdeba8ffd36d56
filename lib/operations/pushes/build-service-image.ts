import path from "node:path";
import { buildImage, type BuildResult } from "../../integrations/build/build-image";
import { readTagDigest } from "../../integrations/aws/read-remote-image";
import { PathEscapeError } from "../../integrations/git/contain-path";
import { digestBuildInputs } from "../../integrations/git/build-inputs";
import { decideEarlySkip } from "../../judgements/push/decide-early-skip";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import type { PushServiceInput } from "./service-outcome-steps";

/**
 * One build of a compose service, for its own platform (`platform` unset: `build.features` as they are) or for one
 * entry of its `build.platforms` (the index path). The one place pushService and pushServiceIndex call buildImage.
 * @throws what buildImage throws (PathEscapeError, a failed or timed-out build, AbortError)
 */
export function buildServiceImage(
  input: PushServiceInput,
  o: { platform?: string; workDir: string; timeoutMs?: number; log: (line: string) => void },
): Promise<BuildResult> {
  const { build, checkout } = input;
  return buildImage({
    builder: input.builder,
    root: checkout,
    context: path.join(checkout, build.context),
    // An inline Dockerfile (features.dockerfileInline) is written by buildImage outside the context; this path is unused then.
    dockerfile: path.join(checkout, build.dockerfile ?? build.context),
    args: build.args,
    target: build.target,
    features: o.platform ? { ...build.features, platforms: undefined, platform: o.platform } : build.features,
    // No per-commit time: layers keep their digests when their inputs did not change (STABLE_TIMESTAMP).
    workDir: o.workDir,
    cache: input.cache,
    pullAlways: input.pullAlways,
    // The shared registry cache serves the service's own platform only, as before the index path shared this call.
    registryCache: o.platform ? undefined : input.registryCache,
    isolation: input.isolation,
    timeoutMs: o.timeoutMs ?? input.buildTimeoutMs,
    onLine: (line) => o.log(line),
    signal: input.signal,
  });
}

/**
 * Skip early (issue 15), for one image or an index: digests every build input and, when they equal those recorded
 * for the image `latest` points to, marks the outcome skipped (`inputs-match`) so nothing is built. Sets
 * `outcome.inputsDigest` when the inputs are known and `timings.inputsMs`. The digest covers the service's whole
 * build configuration, so for several platforms it covers them all; there a base image is counted as unknown
 * (the kept store answers one digest per reference, not per platform), so only a base-free build (`FROM scratch`)
 * of several platforms is skipped unbuilt.
 * @returns null when the service was decided unchanged; else the log's reason to build, whether the inputs were
 * known and whether the build is forced (`recordInputsUsed` needs both after the build)
 * @throws PathEscapeError (a path out of the checkout)
 */
export async function skipIfInputsMatch(
  input: PushServiceInput,
  outcome: ServiceOutcome,
  log: (line: string) => void,
): Promise<{ why: string; known: boolean; forceBuild: boolean } | null> {
  const { build, builder, cache, ecr } = input;
  const t = Date.now();
  const several = !!build.features.platforms?.length;
  // compose `pull` and `no_cache` ask for a real build, as an operator's "fresh base images" does.
  const forceBuild = !!(input.pullAlways || build.features.pull || build.features.noCache);
  const inputs = await digestBuildInputs({
    checkout: input.checkout,
    build,
    builder: builder.kind,
    baseDigest: (ref) => (!several && cache && builder.kind === "buildah" ? cache.baseDigest(builder.path, ref) : Promise.resolve(undefined)),
  }).catch((err: Error) => (err instanceof PathEscapeError ? Promise.reject(err) : { known: false as const, why: err.message }));
  if (inputs.known) outcome.inputsDigest = inputs.digest;
  const latestDigest = inputs.known && !forceBuild ? await readTagDigest({ ecr, repositoryName: build.repositoryName }) : null;
  const early = decideEarlySkip({ repository: build.repositoryName, inputsDigest: outcome.inputsDigest ?? null, freshBases: forceBuild, latestDigest, known: input.knownInputs ?? [] });
  outcome.timings.inputsMs = Date.now() - t;
  if (early.skip) {
    outcome.result = "skipped";
    outcome.reason = "inputs-match";
    outcome.remoteManifestDigestBefore = early.imageDigest;
    log(`unchanged: every build input equals those of ${build.repositoryName}:latest (${early.imageDigest.slice(0, 19)}); not built, nothing pushed`);
    return null;
  }
  if (inputs.known) return { why: `inputs ${inputs.digest.slice(7, 19)} (${early.why})`, known: true, forceBuild };
  const why = several && /^base image/.test(inputs.why) ? "several platforms from a base image: their inputs are not recorded per platform" : inputs.why;
  return { why, known: false, forceBuild };
}

/**
 * After a single-image build: inputs read before it miss a base it pulled (missing, due for a refresh, or asked
 * fresh), so they are recorded with the digests the build used, and the next push of the same inputs can skip early.
 */
export async function recordInputsUsed(input: PushServiceInput, outcome: ServiceOutcome, image: BuildResult, before: { known: boolean; forceBuild: boolean }): Promise<void> {
  const { cache, builder, checkout, build } = input;
  if (!(cache && builder.kind === "buildah" && (!before.known || before.forceBuild || image.baseImages?.some((b) => b.pulled)))) return;
  const used = new Map((image.baseImages ?? []).map((b) => [b.ref, b.digest]));
  const after = await digestBuildInputs({ checkout, build, builder: builder.kind, baseDigest: async (ref) => used.get(ref) }).catch(() => null);
  outcome.inputsDigest = after?.known ? after.digest : undefined;
}
