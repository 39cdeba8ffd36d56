import Link from "next/link";
import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { withRepo } from "@/components/fleet/repo-href";
import { readPushVerdict } from "@/lib/read/overview";
import type { PushAnswer } from "@/lib/judgements/posture/push-readiness";
import { DataAge } from "./data-age";

const LOOK: Record<PushAnswer, { text: string; box: string }> = {
  yes: { text: "Yes", box: "border-emerald-300 bg-emerald-50 text-emerald-950" },
  no: { text: "No", box: "border-red-300 bg-red-50 text-red-950" },
  unknown: { text: "Unknown", box: "border-amber-300 bg-amber-50 text-amber-950" },
  "not-set-up": { text: "Not set up yet", box: "border-sky-300 bg-sky-50 text-sky-950" },
};

/** The Overview's one answer at the top: can the repository push right now, with the one reason and its age. */
export async function PushVerdict({ ctx }: { ctx: ReadContext }) {
  const { readiness, asOf } = await readPushVerdict(ctx);
  const look = LOOK[readiness.answer];
  return (
    <section aria-label="Can we push right now?" data-testid="push-verdict" data-answer={readiness.answer} className={`mb-4 rounded-lg border-2 p-4 ${look.box}`}>
      <h2 className="text-sm font-medium">Can we push right now?</h2>
      <p className="mt-1 text-2xl font-semibold" data-testid="push-verdict-answer">
        {look.text}
      </p>
      <p className="mt-1 text-sm" data-testid="push-verdict-reason">
        {readiness.reason}{" "}
        <Link href={withRepo(readiness.href, repoParamOf(ctx))} className="font-medium underline">
          {readiness.answer === "not-set-up" ? "Start the guided setup →" : readiness.answer === "yes" ? "See the checks →" : "What to do →"}
        </Link>
      </p>
      <DataAge asOf={asOf} />
    </section>
  );
}

/** While the verdict loads. */
export function PushVerdictLoading() {
  return (
    <section aria-busy="true" aria-label="Can we push right now?" className="mb-4 rounded-lg border-2 border-slate-100 bg-white p-4 text-sm text-slate-600">
      <h2 className="text-sm font-medium">Can we push right now?</h2>
      <p className="mt-1 animate-pulse">Checking…</p>
    </section>
  );
}
