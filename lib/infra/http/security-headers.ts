/** Sent on every response: by Next.js (next.config.ts headers()) and by the server's own fast paths. */
export const SECURITY_HEADERS: ReadonlyArray<{ key: string; value: string }> = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
];

/**
 * The Content-Security-Policy of a page (set by proxy.ts, fresh `nonce` per request): scripts only from
 * Deckhand itself and Next.js's own inline scripts, which Next.js stamps with the nonce it reads from this
 * header (node_modules/next/dist/docs/01-app/02-guides/content-security-policy.md). Styles allow inline
 * `style` attributes (React renders widths and colours inline); no plugins, no framing; forms post only here
 * and (through sign-in's redirect) to GitHub's web origin, `signInOrigin`.
 * `dev` adds 'unsafe-eval', which React needs in development only.
 */
export function contentSecurityPolicy(nonce: string, opts: { dev: boolean; https: boolean; signInOrigin: string }): string {
  return [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' blob: data:`,
    `font-src 'self'`,
    `connect-src 'self'`,
    `object-src 'none'`,
    `base-uri 'self'`,
    // The sign-in form posts here and is redirected on to GitHub's authorize page: form-action covers redirects.
    `form-action 'self' ${opts.signInOrigin}`,
    `frame-ancestors 'none'`,
    ...(opts.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/**
 * HTTP Strict Transport Security, only when Deckhand's own URL (DECKHAND_URL) is https: browsers then refuse
 * plain http to this host for a year. Never over http (it would be ignored, and would mislead).
 */
export function strictTransportSecurity(deckhandUrl: string): string | null {
  return deckhandUrl.startsWith("https://") ? "max-age=31536000; includeSubDomains" : null;
}
