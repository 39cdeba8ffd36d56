import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "./lib/infra/config/env";
import { contentSecurityPolicy, strictTransportSecurity } from "./lib/infra/http/security-headers";

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
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const config = getConfig();
  const deckhandUrl = config.url;
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development", https: deckhandUrl.startsWith("https://"), signInOrigin: new URL(config.github.webUrl).origin });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  const hsts = strictTransportSecurity(deckhandUrl);
  if (hsts) response.headers.set("Strict-Transport-Security", hsts);
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
