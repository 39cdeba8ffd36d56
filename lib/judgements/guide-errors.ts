// One table of what AWS and GitHub error texts mean in the guide's terms: which Troubleshooting section of
// the ECR setup guide covers an error code (CloudTrail's errorCode, an SDK error name) or a log line (a
// failing workflow step, a canary run). The Doctor, the workflow run pages, the Activity page and the key
// rotation all classify through it, so they never blame different sections for the same error.
//
// How a line is classified, first rule that matches:
// 1. A denial of ecr:CreateRepository is the guide's own section ("ECR Repository Creation Failed").
// 2. "InvalidUserID.AccessDenied", the guide's quote for "Credential Error in Workflow".
// 3. An AWS error code named on the line ("An error occurred (InvalidClientTokenId) when calling ...",
//    "AccessDeniedException: ..."): the code decides, by what AWS documents it to mean. InvalidClientTokenId
//    and UnrecognizedClientException mean "The X.509 certificate or AWS access key ID provided does not exist
//    in our records" (AWS, Common Errors), so they are "Invalid Access Key"; SignatureDoesNotMatch and
//    InvalidSignatureException mean the request was signed with another secret: "Secret Access Key Not Found".
// 4. Otherwise the text: the guide quotes one error per section, and a line carrying that quote without a
//    code belongs to that section. AWS's text for InvalidClientTokenId, "The security token included in the
//    request is invalid", is what the guide quotes under "Secret Access Key Not Found", and it is what
//    aws-actions/configure-aws-credentials prints (without the code), so the bare text goes there.

/** The guide's Troubleshooting headings, verbatim, by the id the Doctor gives each check (/doctor#id). */
export const GUIDE_SECTIONS = {
  "credential-error": "Credential Error in Workflow",
  "aws-region-not-found": "AWS_REGION Not Found",
  "access-denied": "Access Denied / Permission Error",
  "invalid-access-key": "Invalid Access Key",
  "secret-access-key-not-found": "Secret Access Key Not Found",
  "repository-creation-failed": "ECR Repository Creation Failed",
  "image-not-found": "Image Not Found in ECR",
} as const;

export type GuideSectionId = keyof typeof GUIDE_SECTIONS;

/** What an AWS error code means for the push credential, and the guide's section for it. */
export interface ErrorExplanation {
  title: string;
  section: GuideSectionId | null;
  /** The section's heading, or null when the guide does not cover the error. */
  guideSection: string | null;
  explanation: string;
  /** True when the error is a normal part of the guide's workflow and needs no action. */
  benign: boolean;
}

const CODES: { codes: string[]; section: GuideSectionId | null; title: string; explanation: string; benign?: boolean }[] = [
  {
    codes: ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation", "UnauthorizedAccess"],
    section: "access-denied",
    title: "Not allowed by the IAM policy",
    explanation: "The key is valid, but the user's policy does not allow this action: add it to ecr-push-policy (guide Step 2)",
  },
  {
    codes: ["InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"],
    section: "invalid-access-key",
    title: "Access key does not exist",
    explanation: "AWS does not know this access key ID: it was deleted, or the AWS_ACCESS_KEY_ID secret is mistyped",
  },
  {
    codes: ["SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature"],
    section: "secret-access-key-not-found",
    title: "Wrong secret access key",
    explanation: "The key ID exists but the request was signed with a different secret: AWS_SECRET_ACCESS_KEY is wrong (extra spaces, or from another key)",
  },
  {
    codes: ["ExpiredToken", "ExpiredTokenException", "RequestExpired"],
    section: "credential-error",
    title: "Expired credentials or skewed clock",
    explanation: "The request's credentials or timestamp were too old: check the runner's clock, or re-run",
  },
  {
    codes: ["LimitExceededException"],
    section: "repository-creation-failed",
    title: "Service quota reached",
    explanation: "An ECR quota was hit (for CreateRepository: repositories per region); check the account's ECR quotas",
  },
  {
    codes: ["RepositoryNotFoundException"],
    section: "image-not-found",
    title: "Repository does not exist",
    explanation: "Normal on a service's first push (the workflow then creates it); otherwise AWS_REGION points to a region without the repository",
    benign: true,
  },
  {
    codes: ["ImageNotFoundException"],
    section: "image-not-found",
    title: "Image tag not found",
    explanation: "Normal when the workflow looks up `latest` for the digest compare and it does not exist yet",
    benign: true,
  },
  {
    codes: ["RepositoryAlreadyExistsException", "LayerAlreadyExistsException", "ImageAlreadyExistsException"],
    section: null,
    title: "Already exists",
    explanation: "Harmless: the repository, layer or image was already there (a retry or an identical push)",
    benign: true,
  },
  {
    codes: ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"],
    section: null,
    title: "Throttled",
    explanation: "AWS rate-limited the call; SDKs retry with backoff. Persistent throttling slows pushes but is not a credential problem",
  },
  {
    codes: ["ServerException", "InternalFailure", "ServiceUnavailable", "InternalError"],
    section: null,
    title: "AWS-side error",
    explanation: "A transient AWS error; retrying usually succeeds",
  },
];

const BY_CODE = new Map<string, ErrorExplanation>(
  CODES.flatMap((c) =>
    c.codes.map((code) => [code.toLowerCase(), { title: c.title, section: c.section, guideSection: c.section ? GUIDE_SECTIONS[c.section] : null, explanation: c.explanation, benign: c.benign ?? false }] as const),
  ),
);

/** What an AWS error code (CloudTrail's errorCode, an SDK error's name) means, case-insensitive. */
export function explainErrorCode(code: string): ErrorExplanation {
  return BY_CODE.get(code.trim().toLowerCase()) ?? { title: code, section: null, guideSection: null, explanation: "Not an error the guide covers; see the error message", benign: false };
}

/** A log line (or error message) in the guide's terms. */
export interface GuideErrorMatch {
  section: GuideSectionId;
  /** The section's heading. */
  title: string;
  /** One sentence saying what the error means for the push credential. */
  meaning: string;
  /** The AWS error code the line named, when it named one. */
  code?: string;
  /** For a denial: the action denied ("ecr:PutImage"). */
  action?: string;
}

const CODE_ON_LINE = new RegExp(`(?<![A-Za-z.])(${CODES.filter((c) => c.section).flatMap((c) => c.codes).map((c) => c.replace(".", "\\.")).join("|")})(?![A-Za-z])`);
const DENIED_ACTION = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/i;

const MEANING: Record<GuideSectionId, string> = {
  "credential-error": "The workflow could not load usable AWS credentials from the secrets.",
  "aws-region-not-found": "The workflow found no AWS_REGION variable.",
  "access-denied": "The key works but the push user's policy lacks an action the workflow needs.",
  "invalid-access-key": "The key ID in AWS_ACCESS_KEY_ID does not exist in AWS (deleted, or mistyped).",
  "secret-access-key-not-found": "AWS rejected the key pair: the secret access key does not match, or the key was deleted.",
  "repository-creation-failed": "The push user's policy does not allow ecr:CreateRepository.",
  "image-not-found": "ECR has no such repository or image in this region.",
};

const TEXTS: { test: RegExp; section: GuideSectionId; meaning?: string }[] = [
  { test: /The "aws-region" input is required|Input required and not supplied: aws-region|You must specify a region|Region is missing/i, section: "aws-region-not-found" },
  { test: /The AWS Access Key Id you provided does not exist/i, section: "invalid-access-key" },
  { test: /The security token included in the request is invalid/i, section: "secret-access-key-not-found" },
  { test: /The request signature we calculated does not match/i, section: "secret-access-key-not-found" },
  { test: /The security token included in the request is expired/i, section: "credential-error", meaning: "The credentials or the runner's clock were too old: re-run, or check the runner's clock." },
  { test: /is not authorized to perform/i, section: "access-denied" },
  {
    test: /Credentials could not be loaded|Could not load credentials from any providers|Unable to locate credentials|must be provided if 'aws-access-key-id'/i,
    section: "credential-error",
  },
  { test: /does not exist in the registry/i, section: "image-not-found" },
];

function match(section: GuideSectionId, line: string, extra: { code?: string; meaning?: string } = {}): GuideErrorMatch {
  const action = DENIED_ACTION.exec(line)?.[1];
  let meaning = extra.meaning ?? MEANING[section];
  // An explicit Deny is not fixed by adding an Allow: say so (AWS names it in the message).
  if (section === "access-denied" && /explicit deny/i.test(line)) meaning = `An explicit Deny in a policy refuses ${action ?? "the action"}: adding an Allow cannot fix it; remove or narrow the Deny.`;
  return { section, title: GUIDE_SECTIONS[section], meaning, ...(extra.code ? { code: extra.code } : {}), ...(action ? { action } : {}) };
}

/** One line of a log or error message, classified by the rules above; null when the guide does not cover it. */
export function classifyGuideErrorLine(line: string): GuideErrorMatch | null {
  if (/not authorized to perform:?\s*ecr:CreateRepository\b/i.test(line)) return match("repository-creation-failed", line);
  if (/InvalidUserID\.AccessDenied/.test(line)) return match("credential-error", line, { meaning: "The credentials in the GitHub secrets were rejected." });
  const code = CODE_ON_LINE.exec(line)?.[1];
  if (code) {
    const e = explainErrorCode(code);
    if (e.section) return match(e.section, line, { code });
  }
  for (const t of TEXTS) if (t.test.test(line)) return match(t.section, line, { meaning: t.meaning });
  return null;
}

/** The first line of `text` (an error message, a step's error lines) the guide covers, or null. */
export function classifyGuideError(text: string | null | undefined): GuideErrorMatch | null {
  if (!text) return null;
  for (const line of text.split(/\r?\n/)) {
    const m = classifyGuideErrorLine(line);
    if (m) return m;
  }
  return null;
}

/** Where the Doctor explains a section. */
export function doctorHref(section: GuideSectionId): string {
  return `/doctor#${section}`;
}
