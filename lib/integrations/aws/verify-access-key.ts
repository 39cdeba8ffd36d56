// Does AWS accept a (new) access key yet? IAM keys are eventually consistent: a brand-new key is
// refused for a few seconds (InvalidClientTokenId), so we poll through that window, bounded.

import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { GetAuthorizationTokenCommand, type ECRClient } from "@aws-sdk/client-ecr";

export interface VerifyOptions {
  /** STS and ECR clients signed with the key under test (and a single SDK attempt: we poll ourselves). */
  sts: STSClient;
  ecr: ECRClient;
  /** The IAM user the key must belong to (the caller ARN must end in user/NAME). */
  userName: string;
  /** Give up after this long. */
  timeoutMs: number;
  /** First pause between attempts; doubles up to maxPollMs. */
  pollMs?: number;
  maxPollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface VerifyResult {
  arn: string;
  account: string;
  attempts: number;
  elapsedMs: number;
}

export class KeyNotAcceptedError extends Error {
  constructor(
    message: string,
    public lastErrorCode: string,
    public attempts: number,
  ) {
    super(message);
    this.name = "KeyNotAcceptedError";
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * STS GetCallerIdentity then ECR GetAuthorizationToken signed with the key, retried with backoff until
 * both succeed or timeoutMs passes. Every error is retried inside the window (new keys are refused as
 * invalid, IAM grants lag, throttling and 5xx pass); the timeout message names the last error code.
 */
export async function verifyAccessKey(opts: VerifyOptions): Promise<VerifyResult> {
  const sleep = opts.sleep ?? defaultSleep;
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let pause = opts.pollMs ?? 250;
  const maxPause = opts.maxPollMs ?? 1000;
  let attempts = 0;
  let lastCode = "none";
  let lastStage = "STS GetCallerIdentity";
  for (;;) {
    attempts += 1;
    try {
      lastStage = "STS GetCallerIdentity";
      const id = await opts.sts.send(new GetCallerIdentityCommand({}));
      const arn = id.Arn ?? "";
      if (!arn.endsWith(`:user/${opts.userName}`) && !arn.endsWith(`/${opts.userName}`)) {
        throw new KeyNotAcceptedError(`The key belongs to ${arn || "an unknown identity"}, not to the IAM user ${opts.userName}.`, "WrongUser", attempts);
      }
      lastStage = "ECR GetAuthorizationToken";
      await opts.ecr.send(new GetAuthorizationTokenCommand({}));
      return { arn, account: id.Account ?? "", attempts, elapsedMs: Date.now() - started };
    } catch (err) {
      if (err instanceof KeyNotAcceptedError) throw err;
      lastCode = (err as { name?: string }).name ?? "Error";
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new KeyNotAcceptedError(
        `AWS did not accept the new key within ${Math.round(opts.timeoutMs / 1000)} s (${attempts} attempts; ${lastStage} last answered ${lastCode}). ` +
          (lastStage.startsWith("ECR")
            ? "STS accepts the key but ECR refuses it: check that the user's policy allows ecr:GetAuthorizationToken."
            : "New keys normally work within seconds; check that the key is Active and AWS is reachable."),
        lastCode,
        attempts,
      );
    }
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, maxPause);
  }
}
