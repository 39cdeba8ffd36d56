"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";

/**
 * The navigation on a phone: a "Menu" button (a native <details>, so it opens before hydration and without
 * JavaScript) over the same links as the desktop sidebar; it closes when a link takes you to another page, or the
 * repository selector inside it to another repository (the same path with another `?repo=`).
 */
export function MobileMenu({ children }: { children: React.ReactNode }) {
  const pathname = usePathname();
  const query = useSearchParams().toString();
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [pathname, query]);
  return (
    <details ref={ref} className="relative">
      <summary className="cursor-pointer list-none rounded-md border border-slate-600 px-3 py-1.5 text-sm font-medium [&::-webkit-details-marker]:hidden">Menu</summary>
      <div className="absolute right-0 z-40 mt-2 w-64 rounded-md bg-slate-900 p-3 shadow-lg">{children}</div>
    </details>
  );
}
