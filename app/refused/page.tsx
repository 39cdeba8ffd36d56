import type { Metadata } from "next";
import Link from "next/link";
import { getConfig } from "@/lib/infra/config/env";
import { ModeBanner } from "@/components/mode-banner";

export const metadata: Metadata = { title: "Access refused" };
export const dynamic = "force-dynamic";

/** Where next-auth sends refused sign-ins (and its own sign-in errors). */
export default async function RefusedPage({ searchParams }: { searchParams: Promise<{ reason?: string; login?: string; error?: string }> }) {
  const config = getConfig();
  const { reason, login, error } = await searchParams;
  const notAllowed = reason === "not-allowed" || error === "AccessDenied";
  return (
    <div className="flex min-h-screen flex-col">
      <ModeBanner config={config} />
      <div className="flex flex-1 items-center justify-center p-6">
        <div className="w-full max-w-md rounded-xl border border-red-200 bg-white p-8 shadow-sm">
          <h1 className="text-xl font-semibold text-red-800">{notAllowed ? "Access refused" : "Sign-in failed"}</h1>
          {notAllowed ? (
            <p className="mt-3 text-sm text-slate-700" data-testid="refused-reason">
              {login ? (
                <>
                  The GitHub account <strong>{login}</strong> is not allowed to use this Deckhand.
                </>
              ) : (
                "This GitHub account is not allowed to use this Deckhand."
              )}{" "}
              Deckhand admits only the logins listed in <code>DECKHAND_OPERATORS</code> (may change things) or <code>DECKHAND_VIEWERS</code> (read only). Ask
              an operator to add you to one of them.
            </p>
          ) : (
            <p className="mt-3 text-sm text-slate-700">GitHub did not complete the sign-in. Try again; if it keeps failing, check the OAuth app&apos;s callback URL.</p>
          )}
          <Link href="/sign-in" className="mt-6 inline-block text-sm font-medium text-slate-900 underline">
            Back to sign-in
          </Link>
        </div>
      </div>
    </div>
  );
}
