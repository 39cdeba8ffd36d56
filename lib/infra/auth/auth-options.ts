import type { NextAuthOptions } from "next-auth";
import type { DeckhandConfig } from "../config/env";
import type { Db } from "../db/open-db";
import { recordAudit } from "../audit/record-audit";
import { roleFor } from "./roles";

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
 */
export function buildAuthOptions(config: DeckhandConfig, db: () => Db): NextAuthOptions {
  const lists = { operators: config.operators, viewers: config.viewers };
  return {
    secret: config.authSecret,
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
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
        if (profile) token.login = (profile as GitHubProfile).login;
        return token;
      },
      async session({ session, token }) {
        const login = typeof token.login === "string" ? token.login : null;
        return { ...session, login, role: roleFor(login, lists) };
      },
    },
  };
}
