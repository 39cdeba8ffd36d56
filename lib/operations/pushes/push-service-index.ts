import path from "node:path";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import { makeImageIndex, type PlatformImage } from "../../judgements/push/plan-image-index";
import type { BuildResult } from "../../integrations/build/build-image";
import { buildServiceImage } from "./build-service-image";
import { pushImage, putUntaggedManifest } from "../../integrations/aws/push-image";
import { checkRemoteIndex } from "../../integrations/aws/read-remote-image";
import { checkEcrOwner, recordFailure, type PushServiceInput } from "./service-outcome-steps";

/**
 * A service with several `build.platforms`, after pushService checked each platform can be built here, that the app lets
 * this repository push into the ECR repository (checkEcrOwner: the one ownership check of both paths), and found its
 * inputs changed (skipIfInputsMatch): builds one image per platform (buildServiceImage), compares per platform with the matching entry of ECR's `latest` index (decideIndexPush),
 * and when anything differs pushes each image untagged, then an OCI image index naming them, tagged with the commit
 * and `latest`. Outcome digests are the index's; `localConfigDigest` is left unset (there is one per platform, in
 * the log). Same contract as pushService: failures are recorded on `outcome` and returned, nothing is pushed for a
 * failed build; pushService removes the scratch directory.
 */
export async function pushServiceIndex(input: PushServiceInput, outcome: ServiceOutcome, log: (line: string) => void): Promise<ServiceOutcome> {
  const { ecr, commit, build, workRoot, buildTimeoutMs } = input;
  const platforms = build.features.platforms ?? [];
  const workDir = path.join(workRoot, build.service);
  let step = "build";
  try {
    let t = Date.now();
    const built: { platform: string; image: BuildResult }[] = [];
    for (const [i, platform] of platforms.entries()) {
      const image = await buildServiceImage(input, {
        platform,
        workDir: path.join(workDir, String(i)),
        timeoutMs: buildTimeoutMs ? Math.max(1, buildTimeoutMs - (Date.now() - t)) : undefined,
        log,
      });
      log(`built ${platform} image ${image.configDigest}`);
      built.push({ platform, image });
    }
    const images: PlatformImage[] = built.map(({ platform, image }) => ({
      platform,
      manifestDigest: image.manifestDigest,
      manifestSize: image.manifestBytes.length,
      manifestMediaType: image.manifestMediaType,
      configDigest: image.configDigest,
    }));
    const index = makeImageIndex(images);
    outcome.localManifestDigest = index.digest;
    outcome.timings.buildMs = Date.now() - t;

    step = "compare";
    t = Date.now();
    const remote = await checkRemoteIndex({ ecr, repositoryName: build.repositoryName, local: images });
    outcome.timings.compareMs = Date.now() - t;
    outcome.remoteManifestDigestBefore = remote.remoteManifestDigest;
    outcome.reason = remote.decision.reason;
    if (remote.decision.action === "skip") {
      outcome.result = "skipped";
      log(`unchanged: ${build.repositoryName}:latest already has these images for ${platforms.join(", ")}; nothing pushed`);
      return outcome;
    }
    log(`pushing an index of ${platforms.join(", ")} (${remote.decision.reason}${remote.decision.detail ? `: ${remote.decision.detail}` : ""})`);

    // Asked again: the ownership may have changed during the builds (an operator's reassign or release).
    step = "claim";
    await checkEcrOwner(input, log, "before-upload");
    step = "push";
    t = Date.now();
    for (const { image } of built) {
      const pushed = await pushImage({ ecr, repositoryName: build.repositoryName, image, tags: [], onLog: log });
      outcome.blobsUploaded += pushed.blobsUploaded;
      outcome.bytesUploaded += pushed.bytesUploaded;
      await putUntaggedManifest({ ecr, repositoryName: build.repositoryName, image });
    }
    const tags = [commit.slice(0, 7), "latest"];
    await pushImage({
      ecr,
      repositoryName: build.repositoryName,
      image: { manifestBytes: index.bytes, manifestMediaType: index.mediaType, manifestDigest: index.digest, configDigest: index.digest, blobs: [] },
      tags,
      onLog: log,
    });
    outcome.timings.pushMs = Date.now() - t;
    outcome.tags = tags;
    outcome.result = "pushed";
    return outcome;
  } catch (err) {
    // A path out of the checkout or a platform this worker cannot build is refused before anything is built.
    recordFailure(outcome, err, step);
    log(`failed to ${step}: ${outcome.error}`);
    return outcome;
  }
}
