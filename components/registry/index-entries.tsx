import type { IndexChild } from "@/lib/judgements/registry/nest-index-children";
import { DigestText } from "./digest-text";

/**
 * What an image index holds: its platform images, and BuildKit attestation manifests shown as attestations of the
 * image they describe (not as images: they have platform unknown/unknown and are never pulled to run).
 */
export function IndexEntries({ entries }: { entries: IndexChild[] }) {
  const platforms = entries.filter((e) => e.role === "image");
  const attestations = entries.filter((e) => e.role === "attestation");
  return (
    <div className="mt-1 space-y-1 text-xs text-slate-600" data-testid="index-entries">
      <p data-testid="index-platforms">
        <span className="mr-1 text-slate-500">
          Image index, {platforms.length} platform{platforms.length === 1 ? "" : "s"}:
        </span>
        {platforms.map((p) => (
          <span key={p.digest} className="mr-1 inline-flex items-center gap-1 whitespace-nowrap rounded bg-slate-100 px-1.5 py-0.5" data-platform={p.platform ?? ""}>
            <span className="font-medium">{p.platform ?? "no platform"}</span>
            <DigestText digest={p.digest} />
            {p.present ? null : <span className="text-amber-700">(not in this repository)</span>}
          </span>
        ))}
      </p>
      {attestations.length ? (
        <p data-testid="index-attestations">
          {attestations.map((a) => (
            <span key={a.digest} className="mr-2 inline-flex items-center gap-1" data-attests={a.attests ?? ""}>
              <span className="whitespace-nowrap rounded border border-violet-200 bg-violet-50 px-1.5 py-0.5 text-violet-800">
                attestation{a.attestsPlatform ? ` of ${a.attestsPlatform}` : a.attests ? "" : " (subject not named)"}
              </span>
              <DigestText digest={a.digest} />
            </span>
          ))}
        </p>
      ) : null}
    </div>
  );
}
