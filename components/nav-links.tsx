"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { NAV_ITEMS, FLEET_NAV_ITEM } from "./nav-items";
import { withRepo } from "./fleet/repo-href";

/** The main navigation; links keep the chosen repository (`?repo=`). `fleet`: several repositories, link the Fleet page. */
export function NavLinks({ fleet = false }: { fleet?: boolean }) {
  const pathname = usePathname();
  const repo = useSearchParams().get("repo");
  const items = fleet ? [NAV_ITEMS[0], FLEET_NAV_ITEM, ...NAV_ITEMS.slice(1)] : NAV_ITEMS;
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5">
      {items.map((item) => {
        const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
        return (
          <Link
            key={item.href}
            href={item.href === FLEET_NAV_ITEM.href ? item.href : withRepo(item.href, repo)}
            aria-current={active ? "page" : undefined}
            className={`rounded-md px-3 py-2 text-sm font-medium ${active ? "bg-slate-800 text-white" : "text-slate-300 hover:bg-slate-800/60 hover:text-white"}`}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
