import { describeFailedCall } from "../../integrations/clients/name-failed-call";
import type { ImageInputs } from "./build-records";
import type { RegistryCache } from "../../integrations/aws/registry-cache";
import type { BuildCache } from "../../integrations/build/build-cache";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import { PlatformUnavailableError } from "../../integrations/build/check-platform";
import { PathEscapeError } from "../../integrations/git/contain-path";
import { readPushProgress } from "../../integrations/aws/push-image";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Builder } from "../../integrations/build/detect-builder";
import type { Isolation } from "../../integrations/build/isolation/detect-isolation";
import type { ServiceBuild } from "../../integrations/git/read-compose";
import type { EcrClaimAnswer } from "./claim-ecr-repository";

/** What pushService (and pushServiceIndex, for several platforms) take. */
export interface PushServiceInput {
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
  /** Wall-clock limit of this service's build(s) (DECKHAND_BUILD_TIMEOUT), in milliseconds. */
  buildTimeoutMs?: number;
  /** The worker's kept build cache; unset: a store of the build's own. */
  cache?: BuildCache;
  /** Pull every base image again for this build. */
  pullAlways?: boolean;
  /** Recorded build inputs of recent images (the claim's): equal inputs behind `latest` decide "unchanged" unbuilt. */
  knownInputs?: ImageInputs[];
  /** The shared build cache in the registry (openRegistryCache), when the worker has one. */
  registryCache?: RegistryCache;
  /** The platforms the worker reports (detectBuildPlatforms); one it was told it builds is not checked again. */
  platforms?: readonly string[];
  /**
   * Asks the app whether this service may push into its ECR repository (issue 16; the worker's channel). Unset (tools
   * and tests that push without an app): no ownership check.
   */
  claimRepository?: (ask: { service: string; ecrRepository: string }) => Promise<EcrClaimAnswer>;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

/** The app refused this service's ECR repository (another repository owns it, or the worker lost its lease). */
export class EcrRepositoryRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EcrRepositoryRefusedError";
  }
}

/**
 * The one ownership check of both push paths (pushService, and pushServiceIndex after it): asked of the app before
 * anything is built or uploaded, so a refused service never reaches ECR, not even its blobs, and an "unchanged"
 * decision is never drawn from another repository's image; and asked again (`when` "before-upload") right before the
 * first upload, so an operator's reassign or release during a long build is obeyed. Throws EcrRepositoryRefusedError
 * with the app's message.
 */
export async function checkEcrOwner(input: Pick<PushServiceInput, "build" | "claimRepository">, log: (line: string) => void, when: "before-build" | "before-upload" = "before-build"): Promise<void> {
  if (!input.claimRepository) return;
  const { service, repositoryName } = input.build;
  const answer = await input.claimRepository({ service, ecrRepository: repositoryName });
  if (!answer.ok) throw new EcrRepositoryRefusedError(when === "before-upload" ? `${answer.message} (asked again before the upload)` : answer.message);
  if (answer.claimed) log(`ECR repository ${repositoryName} is owned by ${answer.owner} from now on`);
}

/** A service's outcome before anything ran: failed at the build until a step says otherwise. */
export function startOutcome(build: Pick<ServiceBuild, "service" | "repositoryName">): ServiceOutcome {
  return {
    service: build.service,
    repositoryName: build.repositoryName,
    result: "failed",
    reason: "build-failed",
    blobsUploaded: 0,
    bytesUploaded: 0,
    tags: [],
    timings: { buildMs: 0, compareMs: 0, pushMs: 0 },
  };
}

/**
 * Records why a service failed at `step` (build, compare, push): a path out of the checkout and a platform this
 * worker cannot build have their own reasons; blobs uploaded before a later step failed (e.g. an immutable latest)
 * are added to the record.
 */
export function recordFailure(outcome: ServiceOutcome, err: unknown, step: string): ServiceOutcome {
  outcome.result = "failed";
  outcome.reason =
    err instanceof PathEscapeError
      ? "path-outside-repository"
      : err instanceof PlatformUnavailableError
        ? "platform-unavailable"
        : err instanceof EcrRepositoryRefusedError
          ? "ecr-repository-refused"
          : `${step}-failed`;
  // Names the AWS call and its HTTP status (never an HTML page's text); other errors keep their own message.
  outcome.error = describeFailedCall(err);
  const progress = readPushProgress(err);
  if (progress) {
    outcome.blobsUploaded += progress.blobsUploaded;
    outcome.bytesUploaded += progress.bytesUploaded;
  }
  return outcome;
}
