import Link from "next/link";

/** Reads are cached for 30 seconds; this reloads the page with the cache for it dropped. */
export function RefreshLink({ href, fetchedNote }: { href: string; fetchedNote?: string }) {
  return (
    <div className="flex items-center gap-3 text-sm">
      {fetchedNote ? <span className="whitespace-nowrap text-slate-500">{fetchedNote}</span> : null}
      <Link href={`${href}${href.includes("?") ? "&" : "?"}refresh=1`} prefetch={false} className="shrink-0 whitespace-nowrap rounded-md bg-white px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-slate-50">
        Refresh
      </Link>
    </div>
  );
}
