import { formatAgo, formatUtc } from "@/lib/format";

/** How old a card's data is ("data from 12 s ago"), so cached data is never mistaken for the present. */
export function DataAge({ asOf, now }: { asOf: string | null | undefined; now?: Date }) {
  if (!asOf) return null;
  return (
    <p className="mt-1 text-xs text-slate-600" data-testid="data-age">
      Data from{" "}
      <time dateTime={asOf} title={formatUtc(asOf)}>
        {formatAgo(asOf, now)}
      </time>
    </p>
  );
}
