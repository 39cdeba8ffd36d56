import type { Referrer } from "@/lib/judgements/registry/nest-index-children";
import { DigestText } from "./digest-text";

const LABEL: Record<Referrer["kind"], string> = { signature: "signature", attestation: "attestation", sbom: "SBOM", artifact: "artifact" };

/**
 * The signatures, attestations and SBOMs that refer to an image (OCI 1.1 `subject`, or cosign's `sha256-<hex>.sig`
 * tags), shown with the image rather than as images of their own: nobody pulls them to run.
 */
export function ReferrerList({ referrers }: { referrers: Referrer[] }) {
  if (!referrers.length) return null;
  return (
    <p className="mt-1 text-xs text-slate-600" data-testid="image-referrers">
      {referrers.map((r) => (
        <span key={r.digest} className="mr-2 inline-flex items-center gap-1" data-referrer-kind={r.kind} data-subject={r.subject}>
          <span className="whitespace-nowrap rounded border border-sky-200 bg-sky-50 px-1.5 py-0.5 text-sky-800" title={r.artifactType ?? undefined}>
            {LABEL[r.kind]}
            {r.tags.length ? ` (${r.tags.join(", ")})` : ""}
          </span>
          <DigestText digest={r.digest} />
        </span>
      ))}
    </p>
  );
}

/** For a row that is itself a referrer whose subject is not in the repository (left behind when the image was deleted). */
export function OrphanReferrer({ referrer }: { referrer: Referrer }) {
  return (
    <p className="mt-1 text-xs text-amber-800" data-testid="orphan-referrer">
      {LABEL[referrer.kind]} of <DigestText digest={referrer.subject} /> (not in this repository)
    </p>
  );
}
