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
import { checkServicePlatform, PlatformUnavailableError } from "../../integrations/build/check-platform";
import { pushServiceIndex } from "./push-service-index";
import { checkRemoteImage } from "../../integrations/aws/read-remote-image";
import { readSourceDate } from "../../integrations/git/source-date";


/**
 * One compose service, from checkout to ECR: source date, reproducible build, compare with `latest`, push when it
 * differs. A failure is returned, not thrown, so the job's other services still run; nothing is pushed for a
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
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}): Promise<ServiceOutcome> {
  // Several platforms: one build each, pushed as an image index (push-service-index.ts).
  if (build.features.platforms?.length) return pushServiceIndex({ ecr, builder, checkout, commit, build, workRoot, isolation, buildTimeoutMs, onLog, signal });
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
    outcome.sourceDate = await readSourceDate({ checkout, commit, context: build.context, dockerfile: build.dockerfile });
    const image = await buildImage({
      builder,
      root: checkout,
      context: path.join(checkout, build.context),
      // An inline Dockerfile (features.dockerfileInline) is written by buildImage outside the context; this path is unused then.
      dockerfile: path.join(checkout, build.dockerfile ?? build.context),
      args: build.args,
      target: build.target,
      features: build.features,
      sourceDate: outcome.sourceDate,
      workDir,
      isolation,
      timeoutMs: buildTimeoutMs,
      onLine: (line) => log(line),
      signal,
    });
    outcome.localConfigDigest = image.configDigest;
    outcome.localManifestDigest = image.manifestDigest;
    outcome.timings.buildMs = Date.now() - t;
    log(`built image ${image.configDigest} (source date ${new Date(outcome.sourceDate * 1000).toISOString()})`);

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

