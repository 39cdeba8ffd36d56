/**
 * Decides "unchanged" before building (issue 15): only when the service's build inputs are fully known, the job did
 * not ask for fresh base images, and the image `latest` points to now was recorded with exactly these inputs.
 * Anything else builds; this is never a guess (a moved base image tag shows up as a different base digest).
 */
export type EarlySkip =
  | { skip: true; imageDigest: string }
  | { skip: false; why: "inputs-unknown" | "fresh-bases" | "no-latest" | "latest-unrecorded" | "inputs-differ" };

export function decideEarlySkip({
  repository,
  inputsDigest,
  freshBases,
  latestDigest,
  known,
}: {
  repository: string;
  /** Null when some input could not be pinned down. */
  inputsDigest: string | null;
  freshBases: boolean;
  /** The manifest digest `latest` points to now; null when the repository or tag is missing. */
  latestDigest: string | null;
  /** Recorded inputs of recent images (repository, manifest digest, inputs digest). */
  known: ReadonlyArray<{ repository: string; imageDigest: string; inputsDigest: string }>;
}): EarlySkip {
  if (freshBases) return { skip: false, why: "fresh-bases" };
  if (!inputsDigest) return { skip: false, why: "inputs-unknown" };
  if (!latestDigest) return { skip: false, why: "no-latest" };
  const record = known.find((k) => k.repository === repository && k.imageDigest === latestDigest);
  if (!record) return { skip: false, why: "latest-unrecorded" };
  return record.inputsDigest === inputsDigest ? { skip: true, imageDigest: latestDigest } : { skip: false, why: "inputs-differ" };
}
