import { shortDigest } from "@/lib/format";

/** A digest shortened for reading, full in the title and in data-digest (for copying and tests). */
export function DigestText({ digest, testId }: { digest: string | null; testId?: string }) {
  if (!digest) return <span className="text-slate-500">—</span>;
  return (
    <code title={digest} data-digest={digest} data-testid={testId} className="font-mono text-xs">
      {shortDigest(digest)}
    </code>
  );
}
