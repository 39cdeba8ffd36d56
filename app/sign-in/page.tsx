import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { getSessionUser } from "@/lib/infra/auth/session";
import { ModeBanner } from "@/components/mode-banner";
import { redirectToDeckhandHost } from "@/lib/infra/auth/start-sign-in";
import { SignInButton } from "@/components/sign-in-button";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string; via?: string }> }) {
  if (await getSessionUser()) redirect("/");
  const config = getConfig();
  const { callbackUrl, error, via } = await searchParams;
  // Only same-site paths: an open redirect after sign-in would be a phishing aid.
  const target = callbackUrl && callbackUrl.startsWith("/") && !callbackUrl.startsWith("//") && !callbackUrl.startsWith("/\\") ? callbackUrl : "/";
  // Signing in only works on DECKHAND_URL's host (GitHub calls back there): go there first.
  const h = await headers();
  const elsewhere = redirectToDeckhandHost(config.url, h.get("x-forwarded-host") ?? h.get("host"), `/sign-in?callbackUrl=${encodeURIComponent(target)}`, via === "host");
  if (elsewhere) redirect(elsewhere);
  const served = servedRepositories(config).length;
  return (
    <div className="flex min-h-screen flex-col">
      <ModeBanner config={config} />
      <div className="flex flex-1 items-center justify-center p-6">
        <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
          <h1 className="text-xl font-semibold">Sign in to Deckhand</h1>
          <p className="mt-2 text-sm text-slate-600">
            Deckhand watches the access key that pushes {served > 1 ? `${served} repositories` : config.github.repository} to ECR. Sign in with your GitHub account
            {config.mode === "sandbox" ? " (in sandbox mode, the sandbox lets you choose who you are)" : ""}.
          </p>
          {error ? (
            <p role="alert" className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">
              Sign-in did not complete ({error === "OAuthCallback" || error === "Callback" ? "GitHub did not confirm who you are" : "try again"}).
            </p>
          ) : null}
          <div className="mt-6">
            <SignInButton callbackUrl={target} />
          </div>
        </div>
      </div>
    </div>
  );
}
