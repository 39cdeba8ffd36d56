/**
 * Faults on demand: the next N calls to a service operation (AWS) or route (GitHub) fail or slow down.
 * Each half decides how a fault looks on its wire protocol; this registry only counts.
 */
/** `gateway-html`: a proxy in front of the endpoint answers 502 with an HTML page (AWS calls only). */
export type FaultKind = "throttle" | "500" | "502" | "503" | "secondary-rate-limit" | "latency" | "access-denied" | "gateway-html";

export interface FaultRule {
  id: number;
  /** "iam" | "sts" | "ecr" | "cloudtrail" | "github" | "git" | "*" */
  service: string;
  /** AWS operation name (e.g. CreateAccessKey), GitHub route template (e.g. "PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}"), or "*" */
  operation: string;
  kind: FaultKind;
  /** Remaining calls to affect; -1 means until cleared. */
  remaining: number;
  /** Matching calls to let through before the rule applies (e.g. fail the second page of a listing). */
  skip?: number;
  latencyMs?: number;
}

export interface FaultHit {
  kind: FaultKind;
  latencyMs?: number;
}

export class FaultRegistry {
  private rules: FaultRule[] = [];
  private nextId = 1;

  add(rule: Omit<FaultRule, "id">): FaultRule {
    const r = { ...rule, id: this.nextId++ };
    this.rules.push(r);
    return r;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * Consume the first matching rule for this call. Latency rules and failure rules are consumed
   * independently so a test can slow down and fail the same operation.
   */
  take(service: string, operation: string): { latencyMs: number; failure: FaultHit | null } {
    let latencyMs = 0;
    let failure: FaultHit | null = null;
    for (const r of this.rules) {
      if (r.remaining === 0) continue;
      if (r.service !== "*" && r.service.toLowerCase() !== service.toLowerCase()) continue;
      if (r.operation !== "*" && r.operation.toLowerCase() !== operation.toLowerCase()) continue;
      if (r.skip) {
        r.skip -= 1;
        continue;
      }
      if (r.kind === "latency") {
        if (latencyMs) continue;
        latencyMs = r.latencyMs ?? 1000;
      } else {
        if (failure) continue;
        failure = { kind: r.kind };
      }
      if (r.remaining > 0) r.remaining -= 1;
    }
    this.rules = this.rules.filter((r) => r.remaining !== 0);
    return { latencyMs, failure };
  }
}
