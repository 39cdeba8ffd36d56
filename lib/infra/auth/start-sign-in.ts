import { createHash, randomBytes } from "node:crypto";
import NextAuth from "next-auth/next";
import type { DeckhandConfig } from "../config/env";
import { authOptions } from "./session";

/**
 * Sign-in from a plain HTML form (no JavaScript needed): the sign-in page posts here, and this does what
 * next-auth's client would do over fetch, on the server: make a CSRF token pair (next-auth v4's double-submit
 * cookie `token|sha256(token+secret)`), run next-auth's own sign-in for the GitHub provider, and hand the
 * browser its answer (a redirect to GitHub's authorize URL with the state cookie, or to the error page).
 *
 * Returns the status, the Location and every Set-Cookie next-auth asked for.
 */
export async function startGitHubSignIn(config: DeckhandConfig, headers: Record<string, string>, cookies: Record<string, string>, callbackUrl: string): Promise<{ location: string; setCookies: string[] }> {
  const secure = config.url.startsWith("https://");
  const csrfName = `${secure ? "__Host-" : ""}next-auth.csrf-token`;
  const token = randomBytes(32).toString("hex");
  const hash = createHash("sha256").update(`${token}${config.authSecret}`).digest("hex");
  const setCookies: string[] = [];
  let location = "/sign-in?error=Callback";
  const res = {
    statusCode: 200,
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    getHeader(name: string) {
      return name.toLowerCase() === "set-cookie" ? setCookies : undefined;
    },
    setHeader(name: string, value: string | string[]) {
      if (name.toLowerCase() === "set-cookie") setCookies.splice(0, setCookies.length, ...(Array.isArray(value) ? value : [value]));
      else if (name.toLowerCase() === "location") location = String(value);
      return this;
    },
    end() {},
    json() {},
    send() {},
  };
  const req = {
    method: "POST",
    query: { nextauth: ["signin", "github"] },
    body: { csrfToken: token, callbackUrl },
    headers,
    cookies: { ...cookies, [csrfName]: `${token}|${hash}` },
  };
  await (NextAuth as unknown as (req: unknown, res: unknown, options: unknown) => Promise<void>)(req, res, authOptions());
  return { location, setCookies };
}

/**
 * Where a request must go first when it arrived on another host than DECKHAND_URL's (http://127.0.0.1:3000 when
 * DECKHAND_URL is http://localhost:3000): next-auth's state cookie is set on the host the sign-in starts from
 * and GitHub calls back DECKHAND_URL, so a sign-in started elsewhere fails with "State cookie was missing".
 * Null when the host matches, or when the request already came through this redirect once (`hostRedirected`):
 * a proxy that rewrites Host would otherwise loop.
 */
export function redirectToDeckhandHost(deckhandUrl: string, requestHost: string | null, pathAndQuery: string, hostRedirected: boolean): string | null {
  if (!requestHost || hostRedirected) return null;
  const want = new URL(deckhandUrl);
  if (requestHost.toLowerCase() === want.host.toLowerCase()) return null;
  const target = new URL(pathAndQuery, want);
  target.searchParams.set("via", "host");
  return target.toString();
}
