import Link from "next/link";
import type { Failure } from "@/lib/failures";
import { PartFailure } from "@/components/part-failure";
import { DataAge } from "./data-age";

export type Tone = "ok" | "warn" | "fail" | "neutral";

const TONE: Record<Tone, string> = {
  ok: "border-emerald-200",
  warn: "border-amber-300",
  fail: "border-red-300",
  neutral: "border-slate-200",
};

/** One Overview card: a headline, a verdict colour, and a link to the page with the detail. */
export function Card({
  title,
  href,
  tone = "neutral",
  testId,
  asOf,
  children,
}: {
  title: string;
  href: string;
  tone?: Tone;
  testId: string;
  /** When the card's data was read: every card says how old it is. */
  asOf?: string | null;
  children: React.ReactNode;
}) {
  return (
    <section className={`flex flex-col rounded-lg border-2 bg-white p-4 ${TONE[tone]}`} data-testid={testId} data-tone={tone} aria-label={title}>
      <h2 className="text-sm font-medium text-slate-500">{title}</h2>
      <div className="mt-1 flex-1 text-sm">{children}</div>
      <DataAge asOf={asOf} />
      <Link href={href} className="mt-3 text-xs font-medium text-sky-700 hover:underline">
        Details →
      </Link>
    </section>
  );
}

export function CardLoading({ title }: { title: string }) {
  return (
    <section aria-busy="true" className="rounded-lg border-2 border-slate-100 bg-white p-4 text-sm text-slate-500">
      <h2 className="text-sm font-medium text-slate-500">{title}</h2>
      <p className="mt-2 animate-pulse">Loading…</p>
    </section>
  );
}

/** A card whose data could not be read: the same card, amber, saying which call failed. */
export function CardFailure({ title, href, testId, failure }: { title: string; href: string; testId: string; failure: Failure }) {
  return (
    <Card title={title} href={href} tone="warn" testId={testId}>
      <PartFailure failure={failure} compact />
    </Card>
  );
}
