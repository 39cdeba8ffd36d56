import { requireUser } from "@/lib/infra/auth/session";
import { getConfig } from "@/lib/infra/config/env";
import { ModeBanner } from "@/components/mode-banner";
import { NavLinks } from "@/components/nav-links";
import { SignOutButton } from "@/components/sign-out-button";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const config = getConfig();
  return (
    <div className="flex min-h-screen flex-col">
      <ModeBanner config={config} />
      <div className="flex flex-1">
        <aside className="flex w-60 shrink-0 flex-col bg-slate-900 p-4 text-white">
          <div className="mb-6 px-1">
            <p className="text-lg font-bold tracking-tight">Deckhand</p>
            <p className="truncate text-xs text-slate-400" title={config.github.repository}>
              {config.github.repository} · {config.iamUser}
            </p>
          </div>
          <NavLinks />
          <div className="mt-auto border-t border-slate-700 pt-4" data-testid="current-user">
            <p className="truncate text-sm font-medium">{user.login}</p>
            <p className="mb-2 text-xs text-slate-400">
              Role: <span data-testid="current-role">{user.role}</span>
            </p>
            <SignOutButton />
          </div>
        </aside>
        <main className="min-w-0 flex-1 p-8">{children}</main>
      </div>
    </div>
  );
}
