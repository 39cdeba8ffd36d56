import fs from "node:fs/promises";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import path from "node:path";
import { pushImage } from "../../integrations/aws/push-image";
import { checkServicePlatform } from "../../integrations/build/check-platform";
import { pushServiceIndex } from "./push-service-index";
import { checkEcrOwner, recordFailure, startOutcome, type PushServiceInput } from "./service-outcome-steps";
import { checkRemoteImage } from "../../integrations/aws/read-remote-image";
import { nativeBuildPlatform } from "../../integrations/git/read-compose";
import { buildServiceImage, recordInputsUsed, skipIfInputsMatch } from "./build-service-image";


/**
 * One compose service, from checkout to ECR: reproducible build (constant layer timestamp, one layer per
 * instruction, the worker's kept cache when it has one), compare with `latest`, push when it differs. A failure is returned, not thrown, so the job's other services still run; nothing is pushed for a
 * service whose build failed, nor for one whose ECR repository another served repository owns (checkEcrOwner, before the build).
 */
export async function pushService(input: PushServiceInput): Promise<ServiceOutcome> {
  const { ecr, checkout, commit, build, workRoot, pullAlways, platforms, onLog = () => {} } = input;
  const outcome = startOutcome(build);
  const log = (line: string) => onLog(`[${build.service}] ${line}`);
  const workDir = path.join(workRoot, build.service);
  let step = "build";
  try {
    // Several platforms: one build each, pushed as an image index (push-service-index.ts), after the same early skip.
    if (!build.features.platforms?.length) await checkServicePlatform(build, checkout, log, build.features.platform, platforms);
    else for (const platform of build.features.platforms) await checkServicePlatform(build, checkout, log, platform, platforms);
    // Issue 16: may this repository push into that ECR repository? Asked once here for both paths (one image or an index).
    step = "claim";
    await checkEcrOwner(input, log);
    step = "build";
    // Skip early: every input identical to those recorded for the image latest points to means nothing can change.
    const before = await skipIfInputsMatch(input, outcome, log);
    if (before === null) return outcome;
    log(`building: ${before.why}`);
    if (build.features.platforms?.length) return await pushServiceIndex(input, outcome, log);
    const t = Date.now();
    const image = await buildServiceImage(input, { workDir, log });
    outcome.localConfigDigest = image.configDigest;
    outcome.localManifestDigest = image.manifestDigest;
    outcome.timings.buildMs = Date.now() - t;
    outcome.imageBlobs = image.blobs.length;
    outcome.imageBytes = image.blobs.reduce((n, b) => n + b.size, 0);
    outcome.steps = image.steps;
    outcome.baseImages = image.baseImages;
    if (pullAlways) outcome.freshBases = true;
    await recordInputsUsed(input, outcome, image, before);
    const bases = image.baseImages?.map((b) => `${b.ref}${b.digest ? `@${b.digest.slice(0, 19)}` : ""}`).join(", ");
    log(`built image ${image.configDigest}${image.steps ? ` (${image.steps.cached} of ${image.steps.total} steps cached)` : ""}${bases ? `; base ${bases}` : ""}`);

    step = "compare";
    let c = Date.now();
    // Against an index `latest`, compare with the entry of the platform this image was built for (buildah: the host's when unset).
    const remote = await checkRemoteImage({ ecr, repositoryName: build.repositoryName, localConfigDigest: image.configDigest, platform: build.features.platform ?? nativeBuildPlatform() });
    outcome.timings.compareMs = Date.now() - c;
    outcome.remoteManifestDigestBefore = remote.remoteManifestDigest;
    outcome.remoteConfigDigestBefore = remote.decision.remoteConfigDigest;
    outcome.reason = remote.decision.reason;
    if (remote.decision.action === "skip") {
      outcome.result = "skipped";
      log(`unchanged: ${build.repositoryName}:latest already has image ${image.configDigest.slice(0, 19)}; nothing pushed`);
      return outcome;
    }
    log(`pushing (${remote.decision.reason}${"detail" in remote.decision && remote.decision.detail ? `: ${remote.decision.detail}` : ""})`);

    // Asked again: the ownership may have changed during the build (an operator's reassign or release).
    step = "claim";
    await checkEcrOwner(input, log, "before-upload");
    step = "push";
    c = Date.now();
    const tags = [commit.slice(0, 7), "latest"];
    const pushed = await pushImage({ ecr, repositoryName: build.repositoryName, image, tags, onLog: log });
    outcome.timings.pushMs = Date.now() - c;
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

