import type { ReadContext } from "@/lib/read/context";
import { readHeldKey } from "@/lib/read/credentials";
import { formatUtc } from "@/lib/format";
import { CallsMade } from "@/components/posture/section-card";
import { PartFailure } from "@/components/part-failure";
import { StatusBadge } from "@/components/posture/status-badge";

export async function HeldKeySection({ ctx }: { ctx: ReadContext }) {
  const held = await readHeldKey(ctx);
  if (!held.ok) return <PartFailure failure={held.failure} what={held.failure.service === "github" ? "the repository secrets" : "the access keys"} />;
  const { correlation, caveats } = held.data;
  const m = correlation.mostLikely;
  return (
    <>
      <p className="mb-2 text-sm text-slate-600">
        GitHub never returns secret values; this compares when AWS_ACCESS_KEY_ID was last written ({formatUtc(correlation.secretWrittenAt)}) with each key&apos;s creation,
        last use and CloudTrail activity.
      </p>
      {m ? (
        <div className="mb-3 rounded-md bg-slate-50 p-3 text-sm" data-testid="held-key">
          <p>
            Most likely <span className="font-mono font-semibold">{m.accessKeyId}</span> <StatusBadge status={m.level === "high" ? "ok" : m.level === "medium" ? "info" : "warn"} text={`${m.level} confidence`} />
          </p>
          <ul className="mt-2 list-disc pl-5 text-slate-700">
            {m.evidence.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="mb-3 text-sm">No key can be singled out from the evidence.</p>
      )}
      {correlation.flags.length > 0 ? (
        <ul className="space-y-1 text-sm">
          {correlation.flags.map((f) => (
            <li key={`${f.code}-${f.accessKeyId ?? ""}`}>
              <StatusBadge status={f.severity} text={f.code} /> {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {caveats.map((c) => (
        <p key={c} className="mt-2 text-xs text-amber-800">
          {c}.
        </p>
      ))}
      <CallsMade calls={held.calls} />
    </>
  );
}
