import type { ServiceRecord } from "../job-store";
import type { EcrClaimAnswer, EcrClaimAsk } from "../claim-ecr-repository";
import type { ClaimedJob, HeartbeatAnswer, JobChannel, JobResult } from "./job-channel";

/** A standalone worker's channel: the app's /api/worker routes, bearer DECKHAND_WORKER_TOKEN. Retries 5xx and network errors with backoff. */
export class HttpChannel implements JobChannel {
  constructor(
    readonly workerId: string,
    private baseUrl: string,
    private token: string,
    readonly platforms: readonly string[] = [],
  ) {}

  private async call<T>(route: string, body: unknown, attempts = 5): Promise<{ status: number; body: T | null }> {
    let lastError: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await fetch(`${this.baseUrl}/api/worker${route}`, {
          method: "POST",
          headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
          body: JSON.stringify({ workerId: this.workerId, ...(body as object) }),
        });
        if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
        if (res.status === 401 || res.status === 404) throw new FatalError(`the app refused the worker token (HTTP ${res.status}): check DECKHAND_WORKER_TOKEN on both sides`);
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as T) : null };
      } catch (err) {
        if (err instanceof FatalError) throw err;
        lastError = err;
        await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** i)));
      }
    }
    throw new Error(`Deckhand at ${this.baseUrl} is unreachable: ${(lastError as Error)?.message ?? lastError}`);
  }

  async claim(): Promise<ClaimedJob | null> {
    const r = await this.call<{ job: ClaimedJob }>("/claim", { platforms: this.platforms });
    return r.status === 200 && r.body ? r.body.job : null;
  }

  async heartbeat(job: ClaimedJob): Promise<HeartbeatAnswer> {
    const r = await this.call<HeartbeatAnswer>(`/jobs/${job.jobId}/heartbeat`, { attempt: job.attempt, service: job.part?.service, platforms: this.platforms });
    return r.body ?? { ok: false, reason: "no answer" };
  }

  async log(job: ClaimedJob, lines: Array<{ stream: string; line: string; at: string }>): Promise<void> {
    await this.call(`/jobs/${job.jobId}/logs`, { attempt: job.attempt, service: job.part?.service, lines });
  }

  async recordService(job: ClaimedJob, result: ServiceRecord): Promise<boolean> {
    const r = await this.call<{ ok: boolean }>(`/jobs/${job.jobId}/services`, { attempt: job.attempt, part: job.part ? true : undefined, result });
    return r.body?.ok ?? false;
  }

  async finish(job: ClaimedJob, result: JobResult): Promise<boolean> {
    const r = await this.call<{ ok: boolean }>(`/jobs/${job.jobId}/result`, { attempt: job.attempt, result });
    return r.body?.ok ?? false;
  }

  async claimEcrRepository(job: ClaimedJob, ask: EcrClaimAsk): Promise<EcrClaimAnswer> {
    const r = await this.call<EcrClaimAnswer>(`/jobs/${job.jobId}/ecr-repository`, { attempt: job.attempt, part: job.part ? true : undefined, ...ask });
    // Anything but the app's answer is a refusal: the service is not pushed on a guess.
    return r.body && typeof r.body.ok === "boolean" ? r.body : { ok: false, message: `the app did not answer the ECR repository claim (HTTP ${r.status}): nothing pushed` };
  }
}

class FatalError extends Error {}
