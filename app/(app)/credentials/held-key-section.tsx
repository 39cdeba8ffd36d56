import { loadActivity, loadKeys, loadRuns, loadSecrets, type PostureDeps } from "@/lib/read/load-posture";
import { correlateSection } from "@/lib/read/views";
import { CallsMade, SectionFailure } from "@/components/posture/section-card";
import { StatusBadge } from "@/components/posture/status-badge";
import { formatUtc } from "@/components/posture/format";

export async function HeldKeySection({ deps }: { deps: PostureDeps }) {
  const [secrets, keys, activity, runs] = await Promise.all([loadSecrets(deps), loadKeys(deps), loadActivity(deps), loadRuns(deps)]);
  if (!secrets.ok) return <SectionFailure error={secrets.error} what="the repository secrets" />;
  if (!keys.ok) return <SectionFailure error={keys.error} what="the access keys" />;
  const result = correlateSection({ secrets, keys, activity, runs, now: new Date() })!;
  const { correlation, caveats } = result;
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
      <CallsMade calls={[...new Set([...secrets.calls, ...keys.calls, ...activity.calls, ...runs.calls])]} />
    </>
  );
}
