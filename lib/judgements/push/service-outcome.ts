/** What happened to one compose service in a push job: the worker reports it, the job record and commit status summarise it. */
export interface ServiceOutcome {
  service: string;
  repositoryName: string;
  result: "pushed" | "skipped" | "failed";
  /** The decision's reason (repository-missing, config-matches, ...) or, for a failure, what failed. */
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
