import { commitUrl, isShaTag, sortTags } from "@/lib/judgements/registry/commit-links";

/** Tags as chips; SHA tags link to their commit on GitHub (GitHub resolves short SHAs itself). */
export function TagList({ tags, webUrl, owner, repo }: { tags: string[]; webUrl: string; owner: string; repo: string }) {
  if (tags.length === 0) return <span className="text-xs text-slate-500">untagged</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {sortTags(tags).map((t) =>
        isShaTag(t) ? (
          <a key={t} href={commitUrl(webUrl, owner, repo, t)} data-tag={t} className="rounded bg-sky-50 px-1.5 py-0.5 font-mono text-xs text-sky-800 hover:underline" title="Commit on GitHub">
            {t}
          </a>
        ) : (
          <span key={t} data-tag={t} className={`rounded px-1.5 py-0.5 font-mono text-xs ${t === "latest" ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-700"}`}>
            {t}
          </span>
        ),
      )}
    </span>
  );
}
