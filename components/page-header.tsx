/**
 * A page's title. `repository` (owner/name): the repository the page is about, shown above the title, since with
 * several repositories the sidebar's selector is the only other place that says it (and on a phone it is inside
 * "Menu"). Pages about the whole account or every repository (Fleet, Settings, Audit log) leave it out.
 */
export function PageHeader({ title, description, repository, children }: { title: string; description?: string; repository?: string; children?: React.ReactNode }) {
  return (
    <header className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        {repository ? (
          <p className="mb-1 break-all font-mono text-sm text-slate-600" data-testid="page-repository">
            <span className="sr-only">Repository </span>
            {repository}
          </p>
        ) : null}
        <h1 className="text-2xl font-semibold">{title}</h1>
        {description ? <p className="mt-1 text-slate-600">{description}</p> : null}
      </div>
      {children}
    </header>
  );
}
