import { BatchGetImageCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { decidePush, type PushDecision, type RemoteManifest, type RemoteState } from "../../judgements/push/decide-push";
import { decideIndexPush, type IndexPushDecision } from "../../judgements/push/plan-image-index";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from "../build/read-oci-layout";

/** Without this, BatchGetImage may answer with a Docker schema 1 conversion of an OCI image. */
const ACCEPTED = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST];

export interface RemoteCheck {
  decision: Exclude<PushDecision, { action: "fetch" }>;
  /** The digest `latest` pointed to before this push, for the record. */
  remoteManifestDigest?: string;
}

/**
 * Reads what `latest` is in ECR (BatchGetImage, then the entry for `platform` — the local image's "os/arch[/variant]",
 * default linux/amd64 — when it is an index) and decides whether the local image must be pushed (decidePush).
 */
export async function checkRemoteImage({
  ecr,
  repositoryName,
  localConfigDigest,
  platform,
  tag = "latest",
}: {
  ecr: ECRClient;
  repositoryName: string;
  localConfigDigest: string;
  platform?: string;
  tag?: string;
}): Promise<RemoteCheck> {
  const latest = await getManifest(ecr, repositoryName, { imageTag: tag });
  if (latest === "repository-missing") return { decision: settled(decidePush({ localConfigDigest, remote: { repository: "missing" } })) };
  if (latest === "image-missing") return { decision: settled(decidePush({ localConfigDigest, remote: { latest: "missing" } })) };
  let remote: RemoteState = { latest: latest.manifest };
  for (;;) {
    const decision = decidePush({ localConfigDigest, platform, remote });
    if (decision.action !== "fetch") return { decision, remoteManifestDigest: latest.digest };
    const child = await getManifest(ecr, repositoryName, { imageDigest: decision.digest });
    if (typeof child === "string") {
      return {
        decision: { action: "push", reason: "unreadable-remote", detail: `index entry ${decision.digest} is missing` },
        remoteManifestDigest: latest.digest,
      };
    }
    remote = { latest: latest.manifest, child: child.manifest };
  }
}

/**
 * The multi-platform compare (decideIndexPush): reads `latest` and each of its entries that a local platform needs.
 */
export async function checkRemoteIndex({
  ecr,
  repositoryName,
  local,
}: {
  ecr: ECRClient;
  repositoryName: string;
  local: { platform: string; configDigest: string }[];
}): Promise<{ decision: Exclude<IndexPushDecision, { action: "fetch" }>; remoteManifestDigest?: string }> {
  const latest = await getManifest(ecr, repositoryName, { imageTag: "latest" });
  if (latest === "repository-missing") return { decision: { action: "push", reason: "repository-missing" } };
  if (latest === "image-missing") return { decision: { action: "push", reason: "latest-missing" } };
  const children: Record<string, RemoteManifest> = {};
  for (;;) {
    const decision = decideIndexPush({ local, remote: { latest: latest.manifest, children } });
    if (decision.action !== "fetch") return { decision, remoteManifestDigest: latest.digest };
    const child = await getManifest(ecr, repositoryName, { imageDigest: decision.digest });
    if (typeof child === "string") return { decision: { action: "push", reason: "unreadable-remote", detail: `index entry ${decision.digest} is missing` }, remoteManifestDigest: latest.digest };
    children[decision.digest] = child.manifest;
  }
}

async function getManifest(
  ecr: ECRClient,
  repositoryName: string,
  imageId: { imageTag?: string; imageDigest?: string },
): Promise<{ manifest: RemoteManifest; digest?: string } | "repository-missing" | "image-missing"> {
  try {
    const out = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [imageId], acceptedMediaTypes: ACCEPTED }));
    const image = out.images?.[0];
    if (!image?.imageManifest) return "image-missing";
    return {
      manifest: { manifest: image.imageManifest, mediaType: image.imageManifestMediaType },
      digest: image.imageId?.imageDigest,
    };
  } catch (err) {
    if ((err as Error).name === "RepositoryNotFoundException") return "repository-missing";
    throw err;
  }
}

function settled(d: PushDecision): RemoteCheck["decision"] {
  if (d.action === "fetch") throw new Error("decidePush asked for a manifest without a remote image");
  return d;
}

/** The manifest digest a tag points to (BatchGetImage), or null when the repository or the tag does not exist. */
export async function readTagDigest({ ecr, repositoryName, tag = "latest" }: { ecr: ECRClient; repositoryName: string; tag?: string }): Promise<string | null> {
  const latest = await getManifest(ecr, repositoryName, { imageTag: tag });
  return typeof latest === "string" ? null : (latest.digest ?? null);
}
