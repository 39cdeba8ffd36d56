import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "./lib/infra/config/env";
import { servedRepositories } from "./lib/infra/config/served-repositories";
import { contentSecurityPolicy, strictTransportSecurity } from "./lib/infra/http/security-headers";
import { CHOSEN_REPOSITORY_COOKIE, decideChosenRepository } from "./lib/judgements/chosen-repository";

/**
 * Every page request (Next.js 16 proxy; see the matcher) gets a fresh nonce and its Content-Security-Policy,
 * on the response for the browser and on the request for Next.js, which stamps its inline scripts with the
 * nonce. HSTS is added here for pages and by the custom server (lib/tooling/cli/serve.ts) for everything else.
 */
export function proxy(request: NextRequest) {
  // A path that is not valid percent-encoding (/registry/%E0%A4%A) names no page: the app's 404, not a
  // 500 from Next.js decoding the route's parameters.
  try {
    decodeURIComponent(request.nextUrl.pathname);
  } catch {
    return NextResponse.rewrite(new URL("/not-found-malformed-path", request.url));
  }
  const config = getConfig();
  // Several repositories: the one chosen last stays chosen on pages whose links carry no ?repo=.
  const chosen = decideChosenRepository({
    repositories: servedRepositories(config).map((r) => r.repository),
    param: request.nextUrl.searchParams.get("repo"),
    cookie: request.cookies.get(CHOSEN_REPOSITORY_COOKIE)?.value ?? null,
  });
  if (chosen.kind === "redirect" && (request.method === "GET" || request.method === "HEAD")) {
    const to = request.nextUrl.clone();
    to.searchParams.set("repo", chosen.repository);
    return NextResponse.redirect(to, 307);
  }
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const deckhandUrl = config.url;
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development", https: deckhandUrl.startsWith("https://"), signInOrigin: new URL(config.github.webUrl).origin });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  const hsts = strictTransportSecurity(deckhandUrl);
  if (hsts) response.headers.set("Strict-Transport-Security", hsts);
  if (chosen.kind === "remember") {
    response.cookies.set(CHOSEN_REPOSITORY_COOKIE, chosen.repository, { httpOnly: true, sameSite: "lax", path: "/", secure: deckhandUrl.startsWith("https://"), maxAge: 30 * 86_400 });
  } else if (chosen.kind === "forget") response.cookies.delete(CHOSEN_REPOSITORY_COOKIE);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api|_next/static|_next/image|favicon.svg|readme).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
