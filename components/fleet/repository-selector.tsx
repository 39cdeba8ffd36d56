"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";

/**
 * Which configured repository the pages show (`?repo=owner/name`; no parameter: the one chosen last, else the
 * default). The server remembers the choice (proxy.ts, `decideChosenRepository`), so inner links without `?repo=`
 * stay on it. A GET form, so it works before hydration; with JavaScript, choosing one navigates at once and keeps the page.
 */
export function RepositorySelector({ repositories, id }: { repositories: string[]; id: string }) {
  const pathname = usePathname();
  const params = useSearchParams();
  const router = useRouter();
  const current = repositories.find((r) => r.toLowerCase() === (params.get("repo") ?? "").toLowerCase()) ?? repositories[0];
  const go = (repo: string) => {
    const next = new URLSearchParams(params.toString());
    next.delete("refresh");
    // The default is named too: the server then forgets the repository chosen before (links without ?repo= keep it).
    next.set("repo", repo);
    const q = next.toString();
    router.push(q ? `${pathname}?${q}` : pathname);
  };
  return (
    <form method="get" action={pathname} className="mb-4" data-testid="repository-selector">
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-300">
        Repository
      </label>
      <div className="flex gap-1">
        <select
          id={id}
          name="repo"
          value={current}
          onChange={(e) => go(e.target.value)}
          className="min-w-0 flex-1 rounded border border-slate-600 bg-slate-800 px-2 py-1 text-sm text-white"
        >
          {repositories.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <noscript>
          <button className="rounded bg-slate-700 px-2 text-sm text-white">Show</button>
        </noscript>
      </div>
    </form>
  );
}
