import { formatBytes } from "../../format";

/** One service's record as the job page has it (job-store's ServiceRecord, the parts that matter here). */
export interface SavingsInput {
  decision: "pushed" | "skipped" | "failed" | "not-built" | "waiting";
  detail?: string | null;
  blobsUploaded?: number;
  bytesUploaded?: number;
  timings?: Record<string, number>;
  build?: { imageBlobs?: number; imageBytes?: number; steps?: { total: number; cached: number }; baseImages?: { ref: string; digest?: string; pulled?: boolean }[]; freshBases?: boolean } | null;
}

/**
 * What a service's build reused and cost, in words for the Pushes page (issue 15): uploads against the image's
 * total, cached steps, time per phase. Records made before issue 15 have no build details: those parts say "—".
 */
export function describeBuildSavings(s: SavingsInput): { uploaded: string; steps: string; phases: string; bases: string } {
  const b = s.build ?? {};
  const blobs = s.blobsUploaded ?? 0;
  const bytes = s.bytesUploaded ?? 0;
  let uploaded: string;
  if (b.imageBytes && b.imageBlobs) {
    const pct = (100 * bytes) / b.imageBytes;
    uploaded = `${blobs} of ${b.imageBlobs} blobs, ${formatBytes(bytes)} of ${formatBytes(b.imageBytes)} (${pct < 0.1 && bytes > 0 ? "<0.1" : pct.toFixed(pct < 10 ? 1 : 0)}%)`;
  } else {
    uploaded = blobs || bytes ? `${blobs} blobs, ${formatBytes(bytes)}` : "nothing";
  }
  const notBuilt = s.decision === "skipped" && /^inputs-match/.test(s.detail ?? "");
  const steps = s.decision === "not-built" ? "not built" : notBuilt ? "not built: inputs unchanged" : b.steps ? `${b.steps.cached} of ${b.steps.total} cached` : "—";
  const t = s.timings ?? {};
  const phases = (
    [
      ["inputs", t.inputsMs],
      ["build", t.buildMs],
      ["compare", t.compareMs],
      ["push", t.pushMs],
    ] as const
  )
    .filter(([, ms]) => typeof ms === "number" && ms > 0)
    .map(([name, ms]) => `${name} ${seconds(ms!)}`)
    .join(" · ");
  // "(pulled fresh)" once for an operator's request (every base), else after each base the schedule pulled again.
  const bases =
    (b.baseImages ?? []).map((x) => `${x.ref}${x.digest ? `@${x.digest.slice(0, 19)}` : ""}${x.pulled && !b.freshBases ? " (pulled again: DECKHAND_BASE_REFRESH_HOURS)" : ""}`).join(", ") +
    (b.freshBases ? " (pulled fresh)" : "");
  return { uploaded, steps, phases: phases || "—", bases };
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
