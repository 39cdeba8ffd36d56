// The Activity page's arithmetic over CloudTrail events made with the push user's keys: a zero-filled
// per-day series, failed calls grouped by error code with what the guide says about each, and filters.

import { DAY_MS, toEpochMs, utcDay, type TimeInput } from "./time-util";
import type { CloudTrailEvent } from "./types";

/** The guide's Troubleshooting headings, verbatim, so pages can link errors to the doctor. */
export const GUIDE_SECTIONS = {
  credentialError: "Credential Error in Workflow",
  regionNotFound: "AWS_REGION Not Found",
  accessDenied: "Access Denied / Permission Error",
  invalidAccessKey: "Invalid Access Key",
  secretKeyNotFound: "Secret Access Key Not Found",
  repositoryCreationFailed: "ECR Repository Creation Failed",
  imageNotFound: "Image Not Found in ECR",
} as const;

export interface ErrorExplanation {
  title: string;
  /** The guide's Troubleshooting section that covers it, or null. */
  guideSection: string | null;
  explanation: string;
  /** True when the error is a normal part of the guide's workflow and needs no action. */
  benign: boolean;
}

const EXPLANATIONS: { codes: string[]; explain: ErrorExplanation }[] = [
  {
    codes: ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation", "UnauthorizedAccess"],
    explain: {
      title: "Not allowed by the IAM policy",
      guideSection: GUIDE_SECTIONS.accessDenied,
      explanation: "The key is valid, but the user's policy does not allow this action: add it to ecr-push-policy (guide Step 2)",
      benign: false,
    },
  },
  {
    codes: ["InvalidClientTokenId", "UnrecognizedClientException"],
    explain: {
      title: "Access key does not exist",
      guideSection: GUIDE_SECTIONS.invalidAccessKey,
      explanation: "AWS does not know this access key ID: it was deleted, or the AWS_ACCESS_KEY_ID secret is mistyped",
      benign: false,
    },
  },
  {
    codes: ["SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature"],
    explain: {
      title: "Wrong secret access key",
      guideSection: GUIDE_SECTIONS.secretKeyNotFound,
      explanation: "The key ID exists but the request was signed with a different secret: AWS_SECRET_ACCESS_KEY is wrong (extra spaces, or from another key)",
      benign: false,
    },
  },
  {
    codes: ["ExpiredToken", "ExpiredTokenException", "RequestExpired"],
    explain: {
      title: "Expired credentials or skewed clock",
      guideSection: GUIDE_SECTIONS.credentialError,
      explanation: "The request's credentials or timestamp were too old: check the runner's clock, or re-run",
      benign: false,
    },
  },
  {
    codes: ["LimitExceededException"],
    explain: {
      title: "Service quota reached",
      guideSection: GUIDE_SECTIONS.repositoryCreationFailed,
      explanation: "An ECR quota was hit (for CreateRepository: repositories per region); check the account's ECR quotas",
      benign: false,
    },
  },
  {
    codes: ["RepositoryNotFoundException"],
    explain: {
      title: "Repository does not exist",
      guideSection: GUIDE_SECTIONS.imageNotFound,
      explanation: "Normal on a service's first push (the workflow then creates it); otherwise AWS_REGION points to a region without the repository",
      benign: true,
    },
  },
  {
    codes: ["ImageNotFoundException"],
    explain: {
      title: "Image tag not found",
      guideSection: GUIDE_SECTIONS.imageNotFound,
      explanation: "Normal when the workflow looks up `latest` for the digest compare and it does not exist yet",
      benign: true,
    },
  },
  {
    codes: ["RepositoryAlreadyExistsException", "LayerAlreadyExistsException", "ImageAlreadyExistsException"],
    explain: {
      title: "Already exists",
      guideSection: null,
      explanation: "Harmless: the repository, layer or image was already there (a retry or an identical push)",
      benign: true,
    },
  },
  {
    codes: ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"],
    explain: {
      title: "Throttled",
      guideSection: null,
      explanation: "AWS rate-limited the call; SDKs retry with backoff. Persistent throttling slows pushes but is not a credential problem",
      benign: false,
    },
  },
  {
    codes: ["ServerException", "InternalFailure", "ServiceUnavailable", "InternalError"],
    explain: {
      title: "AWS-side error",
      guideSection: null,
      explanation: "A transient AWS error; retrying usually succeeds",
      benign: false,
    },
  },
];

const BY_CODE = new Map<string, ErrorExplanation>(
  EXPLANATIONS.flatMap(({ codes, explain }) => codes.map((c) => [c.toLowerCase(), explain] as const)),
);

export function explainErrorCode(code: string): ErrorExplanation {
  return (
    BY_CODE.get(code.trim().toLowerCase()) ?? {
      title: code,
      guideSection: null,
      explanation: "Not an error the guide covers; see the error message",
      benign: false,
    }
  );
}

export interface DailyActivity {
  /** UTC day, "YYYY-MM-DD". */
  day: string;
  calls: number;
  errors: number;
}

/** Calls and errors per UTC day for the `days` days ending today (inclusive), oldest first, zero-filled. */
export function summarizeDailyActivity(events: readonly CloudTrailEvent[], options: { now: TimeInput; days?: number }): DailyActivity[] {
  const now = toEpochMs(options.now);
  if (now === null) throw new TypeError("summarizeDailyActivity: now is not a valid time");
  const days = options.days ?? 90;
  const todayStart = Date.parse(`${utcDay(now)}T00:00:00Z`);
  const series: DailyActivity[] = [];
  const index = new Map<string, DailyActivity>();
  for (let i = days - 1; i >= 0; i--) {
    const d = { day: utcDay(todayStart - i * DAY_MS), calls: 0, errors: 0 };
    series.push(d);
    index.set(d.day, d);
  }
  for (const e of events) {
    const at = toEpochMs(e.time);
    if (at === null) continue;
    const bucket = index.get(utcDay(at));
    if (!bucket) continue;
    bucket.calls++;
    if (e.errorCode) bucket.errors++;
  }
  return series;
}

export interface ErrorGroup {
  errorCode: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  eventNames: string[];
  accessKeyIds: string[];
  /** The newest error message of the group. */
  sampleMessage: string | null;
  explanation: ErrorExplanation;
}

/** Failed calls grouped by error code, most frequent first. */
export function groupFailedCalls(events: readonly CloudTrailEvent[]): ErrorGroup[] {
  const groups = new Map<string, { events: { at: number; e: CloudTrailEvent }[] }>();
  for (const e of events) {
    if (!e.errorCode) continue;
    const at = toEpochMs(e.time);
    if (at === null) continue;
    const g = groups.get(e.errorCode) ?? { events: [] };
    g.events.push({ at, e });
    groups.set(e.errorCode, g);
  }
  const out: ErrorGroup[] = [];
  for (const [errorCode, g] of groups) {
    g.events.sort((a, b) => a.at - b.at);
    const newest = g.events[g.events.length - 1];
    out.push({
      errorCode,
      count: g.events.length,
      firstSeen: new Date(g.events[0].at).toISOString(),
      lastSeen: new Date(newest.at).toISOString(),
      eventNames: [...new Set(g.events.map((x) => x.e.eventName))].sort(),
      accessKeyIds: [...new Set(g.events.map((x) => x.e.accessKeyId).filter((x): x is string => !!x))].sort(),
      sampleMessage: newest.e.errorMessage,
      explanation: explainErrorCode(errorCode),
    });
  }
  return out.sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen));
}

export interface EventFilter {
  accessKeyId?: string;
  /** Exact event name, case-insensitive. */
  eventName?: string;
  eventSource?: string;
  errorsOnly?: boolean;
  from?: TimeInput;
  to?: TimeInput;
}

/** Events matching every given filter, newest first. `from` is inclusive, `to` exclusive. */
export function filterEvents(events: readonly CloudTrailEvent[], filter: EventFilter): CloudTrailEvent[] {
  const from = toEpochMs(filter.from ?? null);
  const to = toEpochMs(filter.to ?? null);
  const name = filter.eventName?.trim().toLowerCase();
  return events
    .map((e) => ({ e, at: toEpochMs(e.time) }))
    .filter(({ e, at }) => {
      if (at === null) return false;
      if (filter.accessKeyId && e.accessKeyId !== filter.accessKeyId) return false;
      if (name && e.eventName.toLowerCase() !== name) return false;
      if (filter.eventSource && e.eventSource !== filter.eventSource) return false;
      if (filter.errorsOnly && !e.errorCode) return false;
      if (from !== null && at < from) return false;
      if (to !== null && at >= to) return false;
      return true;
    })
    .sort((a, b) => b.at! - a.at!)
    .map(({ e }) => e);
}
