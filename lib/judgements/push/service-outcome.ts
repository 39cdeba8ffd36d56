/** What happened to one compose service in a push job: the worker reports it, the job record and commit status summarise it. */
export interface ServiceOutcome {
  service: string;
  repositoryName: string;
  /** "not-built": compose builds nothing for it (no build:, a profile not selected); nothing was pushed. */
  result: "pushed" | "skipped" | "failed" | "not-built";
  /**
   * The decision's reason (repository-missing, config-matches, ...), for a failure what failed (build-failed,
   * compose-invalid, not-supported, ...), for a service not built why (no-build, profile-not-selected).
   */
  reason: string;
  error?: string;
  /** Records before issue 15 only: the per-commit layer timestamp (now constant, STABLE_TIMESTAMP). */
  sourceDate?: number;
  localConfigDigest?: string;
  localManifestDigest?: string;
  remoteManifestDigestBefore?: string;
  remoteConfigDigestBefore?: string;
  blobsUploaded: number;
  bytesUploaded: number;
  /** The built image's blobs (config and layers) and their bytes: what a push without any reuse would upload. */
  imageBlobs?: number;
  imageBytes?: number;
  /** Steps the builder ran and how many its cache served. */
  steps?: { total: number; cached: number };
  /** Base images the Dockerfile names and the manifest digest the build used. */
  baseImages?: { ref: string; digest?: string; pulled?: boolean }[];
  /** Digest of every build input (see digestBuildInputs); equal inputs let a later job decide "unchanged" unbuilt. */
  inputsDigest?: string;
  /** The job had the builder pull every base image again ("rebuild with fresh base images"). */
  freshBases?: boolean;
  tags: string[];
  /** Milliseconds per phase; `inputsMs`: digesting the build inputs and looking them up (issue 15). */
  timings: { buildMs: number; compareMs: number; pushMs: number; inputsMs?: number };
}

/** An outcome for a service that never reached the builder: it failed in the compose file, or is not built. */
export function outcomeWithoutBuild(o: { service: string; repositoryName: string; result: "failed" | "not-built"; reason: string; error: string }): ServiceOutcome {
  return { ...o, blobsUploaded: 0, bytesUploaded: 0, tags: [], timings: { buildMs: 0, compareMs: 0, pushMs: 0 } };
}
