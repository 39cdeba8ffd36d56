import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compare a presented token with the configured one in constant time. Hashing first makes the
 * comparison length-independent too. An unset expected token never matches (fail closed).
 */
export function tokensMatch(presented: string | null | undefined, expected: string | null | undefined): boolean {
  if (!expected || !presented) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}
