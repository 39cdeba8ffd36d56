import type { Referrer } from "@/lib/judgements/registry/nest-index-children";
import { DigestText } from "./digest-text";

const LABEL: Record<Referrer["kind"], string> = { signature: "signature", attestation: "attestation", sbom: "SBOM", artifact: "artifact" };

/**
 * The signatures, attestations and SBOMs that refer to an image (OCI 1.1 `subject`, or cosign's `sha256-<hex>.sig`
 * tags), shown with the image rather than as images of their own: nobody pulls them to run. A referrer of another
 * one in the list (an attestation of an SBOM) says which it refers to, since it is listed with the image its chain
 * ends at.
 */
/**
 * A cosign tag names its subject's whole digest (`sha256-<64 hex>.sig`), which the row already shows: shortened so a
 * phone's row is not pushed sideways; the full tag stays in the title.
 */
function shortTag(tag: string): string {
  const m = /^(sha256-[0-9a-f]{12})[0-9a-f]{52}(\.(?:sig|att|sbom))$/.exec(tag);
  return m ? `${m[1]}…${m[2]}` : tag;
}

export function ReferrerList({ referrers }: { referrers: Referrer[] }) {
  if (!referrers.length) return null;
  const listed = new Set(referrers.map((r) => r.digest));
  return (
    <p className="mt-1 flex flex-wrap gap-x-2 gap-y-1 text-xs text-slate-600" data-testid="image-referrers">
      {referrers.map((r) => (
        <span key={r.digest} className="inline-flex max-w-full flex-wrap items-center gap-1" data-referrer-kind={r.kind} data-subject={r.subject}>
          <span className="break-all rounded border border-sky-200 bg-sky-50 px-1.5 py-0.5 text-sky-800" title={[r.artifactType, ...r.tags].filter(Boolean).join(" · ") || undefined}>
            {LABEL[r.kind]}
            {r.tags.length ? ` (${r.tags.map(shortTag).join(", ")})` : ""}
          </span>
          <DigestText digest={r.digest} />
          {listed.has(r.subject) ? (
            <span className="whitespace-nowrap">
              of <DigestText digest={r.subject} />
            </span>
          ) : null}
        </span>
      ))}
    </p>
  );
}

/**
 * For a row that is itself a referrer: its subject is not in the repository (left behind when the image was deleted),
 * or it could not be shown with its subject (an ordinary tag, a cycle of referrers, a subject that is not a row).
 */
export function OrphanReferrer({ referrer }: { referrer: Referrer }) {
  if (referrer.subjectPresent) {
    return (
      <p className="mt-1 text-xs text-slate-600" data-testid="row-referrer">
        {LABEL[referrer.kind]} of <DigestText digest={referrer.subject} />
      </p>
    );
  }
  return (
    <p className="mt-1 text-xs text-amber-800" data-testid="orphan-referrer">
      {LABEL[referrer.kind]} of <DigestText digest={referrer.subject} /> (not in this repository)
    </p>
  );
}
