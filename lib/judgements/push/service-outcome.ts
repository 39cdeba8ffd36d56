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
  sourceDate?: number;
  localConfigDigest?: string;
  localManifestDigest?: string;
  remoteManifestDigestBefore?: string;
  remoteConfigDigestBefore?: string;
  blobsUploaded: number;
  bytesUploaded: number;
  tags: string[];
  timings: { buildMs: number; compareMs: number; pushMs: number };
}

/** An outcome for a service that never reached the builder: it failed in the compose file, or is not built. */
export function outcomeWithoutBuild(o: { service: string; repositoryName: string; result: "failed" | "not-built"; reason: string; error: string }): ServiceOutcome {
  return { ...o, blobsUploaded: 0, bytesUploaded: 0, tags: [], timings: { buildMs: 0, compareMs: 0, pushMs: 0 } };
}
