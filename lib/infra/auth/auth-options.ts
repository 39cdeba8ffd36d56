import { randomUUID } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import type { DeckhandConfig } from "../config/env";
import type { Db } from "../db/open-db";
import { recordAudit } from "../audit/record-audit";
import { roleFor } from "./roles";
import { isSessionRevoked, revokeSession } from "./revoked-sessions";

/** How long a session lasts (next-auth's JWT maxAge), in seconds. */
export const SESSION_MAX_AGE_S = 8 * 60 * 60;

interface GitHubProfile {
  id: number;
  login: string;
  name?: string | null;
  email?: string | null;
  avatar_url?: string;
}

/**
 * next-auth options for GitHub OAuth. Every URL comes from configuration, so the same code signs in
 * against github.com, GitHub Enterprise Server, or the sandbox. Roles are decided from the login on
 * every request (see session callback), so editing DECKHAND_OPERATORS takes effect without re-login.
 * Each session gets an id (`sid`) at sign-in; sign-out records it as revoked in the store and the session
 * callback refuses a revoked id (or none), so a copied cookie dies with the sign-out, not 8 hours later.
 */
export function buildAuthOptions(config: DeckhandConfig, db: () => Db): NextAuthOptions {
  const lists = { operators: config.operators, viewers: config.viewers };
  return {
    secret: config.authSecret,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/sign-in", error: "/refused" },
    providers: [
      {
        id: "github",
        name: "GitHub",
        type: "oauth",
        clientId: config.github.oauthClientId,
        clientSecret: config.github.oauthClientSecret,
        authorization: { url: `${config.github.webUrl}/login/oauth/authorize`, params: { scope: "read:user" } },
        token: `${config.github.webUrl}/login/oauth/access_token`,
        userinfo: `${config.github.apiUrl}/user`,
        checks: ["state"],
        profile(profile: GitHubProfile) {
          return {
            id: String(profile.id),
            name: profile.name ?? profile.login,
            email: profile.email ?? null,
            image: profile.avatar_url ?? null,
          };
        },
      },
    ],
    callbacks: {
      async signIn({ profile }) {
        const login = (profile as GitHubProfile | undefined)?.login;
        const role = roleFor(login, lists);
        recordAudit(db(), {
          actor: login ?? "(unknown)",
          role,
          action: "auth.sign-in",
          outcome: role ? "success" : "refused",
          detail: role ? null : { reason: "login is on neither DECKHAND_OPERATORS nor DECKHAND_VIEWERS" },
        });
        if (!role) return `/refused?reason=not-allowed&login=${encodeURIComponent(login ?? "")}`;
        return true;
      },
      async jwt({ token, profile }) {
        if (profile) {
          token.login = (profile as GitHubProfile).login;
          token.sid = randomUUID();
        }
        return token;
      },
      async session({ session, token }) {
        const sid = typeof token.sid === "string" ? token.sid : null;
        const live = sid !== null && !isSessionRevoked(db(), sid);
        const login = live && typeof token.login === "string" ? token.login : null;
        return { ...session, login, role: roleFor(login, lists) };
      },
    },
    events: {
      async signOut({ token }) {
        const sid = typeof token?.sid === "string" ? token.sid : null;
        if (!sid) return;
        revokeSession(db(), sid, new Date(Date.now() + SESSION_MAX_AGE_S * 1000));
        const login = typeof token.login === "string" ? token.login : "(unknown)";
        recordAudit(db(), { actor: login, role: roleFor(login, lists), action: "auth.sign-out", outcome: "success", detail: null });
      },
    },
  };
}
