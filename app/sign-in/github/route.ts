import { cookies, headers } from "next/headers";
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "@/lib/infra/config/env";
import { redirectToDeckhandHost, startGitHubSignIn } from "@/lib/infra/auth/start-sign-in";

export const dynamic = "force-dynamic";

/** Only same-site paths: an open redirect after sign-in would be a phishing aid. */
function safeCallback(value: FormDataEntryValue | null): string {
  const v = typeof value === "string" ? value : "";
  return v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/\\") ? v : "/";
}

/**
 * The sign-in page's form posts here (works before the page has hydrated, or without JavaScript at all):
 * answers with next-auth's redirect to GitHub, state cookie set on DECKHAND_URL's host.
 */
export async function POST(req: NextRequest) {
  const config = getConfig();
  const h = Object.fromEntries(await headers());
  const host = h["x-forwarded-host"] ?? h["host"] ?? null;
  // A cross-site form cannot start a sign-in on someone's behalf.
  const origin = h["origin"];
  if (origin && host && new URL(origin).host !== host) return new NextResponse("Sign-in must start from Deckhand's own page.", { status: 403 });
  const form = await req.formData();
  const callbackUrl = safeCallback(form.get("callbackUrl"));
  const elsewhere = redirectToDeckhandHost(config.url, host, `/sign-in?callbackUrl=${encodeURIComponent(callbackUrl)}`, false);
  if (elsewhere) return NextResponse.redirect(elsewhere, 303);
  const jar = Object.fromEntries((await cookies()).getAll().map((c) => [c.name, c.value]));
  const { location, setCookies } = await startGitHubSignIn(config, h, jar, `${config.url}${callbackUrl}`);
  const res = NextResponse.redirect(new URL(location, config.url), 303);
  for (const c of setCookies) res.headers.append("set-cookie", c);
  return res;
}
