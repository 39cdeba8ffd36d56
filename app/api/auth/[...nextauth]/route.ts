import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/infra/auth/session";

// next-auth's own routes (sign-in, callback, session, sign-out): public by nature.
async function handler(req: NextRequest, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(req, ctx, authOptions());
}

export { handler as GET, handler as POST };
