import { requireUser } from "@/lib/infra/auth/session";
import { getConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { ModeBanner } from "@/components/mode-banner";
import { NavLinks } from "@/components/nav-links";
import { SignOutButton } from "@/components/sign-out-button";
import { MobileMenu } from "@/components/mobile-menu";
import { RepositorySelector } from "@/components/fleet/repository-selector";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const config = getConfig();
  const repositories = servedRepositories(config).map((r) => r.repository);
  const fleet = repositories.length > 1;
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:font-medium focus:text-slate-900"
      >
        Skip to content
      </a>
      <ModeBanner config={config} />
      {/* Phones and narrow windows: a bar with the menu button instead of the sidebar. */}
      <header className="flex items-center justify-between gap-3 bg-slate-900 px-4 py-2 text-white md:hidden">
        <p className="min-w-0 truncate text-base font-bold tracking-tight">Deckhand</p>
        <MobileMenu>
          {fleet ? <RepositorySelector repositories={repositories} id="repo-select-mobile" /> : null}
          <NavLinks fleet={fleet} />
          <div className="mt-3 border-t border-slate-700 pt-3">
            <p className="truncate text-sm font-medium">{user.login}</p>
            <p className="mb-2 text-xs text-slate-300">Role: {user.role}</p>
            <SignOutButton />
          </div>
        </MobileMenu>
      </header>
      <div className="flex flex-1">
        <aside className="hidden w-60 shrink-0 flex-col bg-slate-900 p-4 text-white md:flex">
          <div className="mb-6 px-1">
            <p className="text-lg font-bold tracking-tight">Deckhand</p>
            {fleet ? (
              <p className="text-xs text-slate-300">{repositories.length} repositories</p>
            ) : (
              <p className="truncate text-xs text-slate-300" title={config.github.repository}>
                {config.github.repository} · {config.iamUser}
              </p>
            )}
          </div>
          {fleet ? <RepositorySelector repositories={repositories} id="repo-select" /> : null}
          <NavLinks fleet={fleet} />
          <div className="mt-auto border-t border-slate-700 pt-4" data-testid="current-user">
            <p className="truncate text-sm font-medium">{user.login}</p>
            <p className="mb-2 text-xs text-slate-300">
              Role: <span data-testid="current-role">{user.role}</span>
            </p>
            <SignOutButton />
          </div>
        </aside>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 p-4 focus:outline-none md:p-8">
          {children}
        </main>
      </div>
    </div>
  );
}
