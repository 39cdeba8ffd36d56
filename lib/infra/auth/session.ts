import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { getConfig } from "../config/env";
import { getDb } from "../db";
import { buildAuthOptions } from "./auth-options";
import type { Role } from "./roles";

export interface SessionUser {
  login: string;
  role: Role;
  name: string | null;
  image: string | null;
}

let options: ReturnType<typeof buildAuthOptions> | undefined;
export function authOptions() {
  options ??= buildAuthOptions(getConfig(), getDb);
  return options;
}

/** The signed-in user with a current role, or null (signed out, or no longer on either list). */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = (await getServerSession(authOptions())) as
    | { login?: string | null; role?: Role | null; user?: { name?: string | null; image?: string | null } }
    | null;
  if (!session?.login || !session.role) return null;
  return { login: session.login, role: session.role, name: session.user?.name ?? null, image: session.user?.image ?? null };
}

/** For pages: the user, or a redirect to sign-in. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/sign-in");
  return user;
}
