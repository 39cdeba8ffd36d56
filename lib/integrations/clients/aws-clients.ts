import { IAMClient } from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";
import { ECRClient } from "@aws-sdk/client-ecr";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { DeckhandConfig } from "../../infra/config/env";
import { DECKHAND_VERSION } from "../../infra/version";
import { nameFailedCalls } from "./name-failed-call";
import { DECKHAND_USER_AGENT_PRODUCT } from "../../judgements/posture/secret-correlation";

export interface AwsClients {
  iam: IAMClient;
  sts: STSClient;
  ecr: ECRClient;
  cloudtrail: CloudTrailClient;
  /** Region of the ECR repositories and CloudTrail lookups. */
  region: string;
}

export interface AwsClientOptions {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts including the first; the SDK's standard mode backs off exponentially with jitter on throttling and 5xx. */
  maxAttempts?: number;
}

/**
 * One set of SDK clients. In sandbox mode they point at the sandbox with its administrator key; in live
 * mode they use the standard credential and region chains. Retries with backoff are the SDK's own.
 */
export function createAwsClients(opts: AwsClientOptions): AwsClients {
  const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const common = {
    endpoint: opts.endpoint,
    credentials: opts.credentials,
    maxAttempts: opts.maxAttempts ?? 5,
    retryMode: "standard" as const,
    // "deckhand/<version>" in every request's User-Agent, so CloudTrail tells Deckhand's own calls (verifying a new
    // key, reading the account) from a stranger's use of the key.
    customUserAgent: `${DECKHAND_USER_AGENT_PRODUCT}/${DECKHAND_VERSION}`,
  };
  return {
    // IAM is global: its endpoint is signed for us-east-1 whatever region the repositories are in.
    iam: nameFailedCalls(new IAMClient({ ...common, region: "us-east-1" })),
    sts: nameFailedCalls(new STSClient({ ...common, region })),
    ecr: nameFailedCalls(new ECRClient({ ...common, region })),
    cloudtrail: nameFailedCalls(new CloudTrailClient({ ...common, region })),
    region,
  };
}

export function awsClientOptionsFrom(config: DeckhandConfig): AwsClientOptions {
  return { region: config.aws.region, endpoint: config.aws.endpoint, credentials: config.aws.credentials };
}
