import type { ReadContext } from "@/lib/read/context";
import { readGithubConfig } from "@/lib/read/credentials";
import { describeCopy } from "@/lib/judgements/posture/secret-scopes";
import { formatUtc } from "@/lib/format";
import { CallsMade } from "@/components/posture/section-card";
import { PartFailure } from "@/components/part-failure";
import { StatusBadge } from "@/components/posture/status-badge";

export async function GithubConfigSection({ ctx }: { ctx: ReadContext }) {
  const config = await readGithubConfig(ctx);
  if (!config.ok) return <PartFailure failure={config.failure} what={/variables/.test(config.failure.call) ? "the repository variables" : "the repository secrets"} />;
  const { report, scopes, accessKeyIdCopies, regionNotCompared } = config.data;
  const rows = [...scopes.secrets, ...scopes.variables];
  return (
    <>
      <ul className="space-y-1 text-sm" data-testid="github-config">
        {report.findings.map((f) => (
          <li key={`${f.code}-${f.name}`}>
            <StatusBadge status={f.severity} /> {f.message}
          </li>
        ))}
      </ul>
      {regionNotCompared ? <p className="mt-2 text-xs text-amber-800">Region not compared with the repositories: {regionNotCompared.message}.</p> : null}
      {scopes.findings.length > 0 ? (
        <ul className="mt-3 space-y-2 text-sm" data-testid="scope-findings">
          {scopes.findings.map((f) => (
            <li key={`${f.code}-${f.name}`}>
              <StatusBadge status={f.severity} /> {f.message}
              <span className="block pl-6 text-xs text-slate-600">Fix: {f.fix}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <table className="mt-4 w-full text-left text-sm" data-testid="secret-sources">
        <caption className="mb-1 text-left text-xs text-slate-500">
          Where a run of the ECR workflow gets each secret and variable{scopes.environment ? ` (its job deploys to the ${scopes.environment} environment)` : ""}: environment over repository over organization.
        </caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Name</th>
            <th className="py-1 pr-3 font-medium">Run gets it from</th>
            <th className="py-1 font-medium">Shadowed copies</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={3} className="py-1 text-slate-500">
                No secrets or variables at any scope that could be read.
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={`${r.kind}-${r.name}`} className="border-t border-slate-100" data-name={r.name}>
                <td className="py-1 pr-3 font-mono">{r.name}</td>
                <td className="py-1 pr-3">
                  {describeCopy(r.source, r.kind)}
                  {r.kind === "variable" ? <span className="font-mono text-slate-600"> = {r.source.value}</span> : null}
                </td>
                <td className="py-1">{r.shadowed.length ? r.shadowed.map((c) => describeCopy(c, r.kind)).join(", ") : "none"}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {accessKeyIdCopies.length > 1 ? (
        <ul className="mt-3 space-y-1 text-sm" data-testid="key-copies">
          {accessKeyIdCopies.map((c) => (
            <li key={c.where}>
              AWS_ACCESS_KEY_ID as {c.where} ({c.used ? "used by runs" : "shadowed"}, written {formatUtc(c.updatedAt)}):{" "}
              {c.accessKeyId ? (
                <>
                  holds <span className="font-mono">{c.accessKeyId}</span> (written by Deckhand)
                </>
              ) : (
                <>key unknown (not written by Deckhand; GitHub never returns values{c.used ? " — see “Which key GitHub holds”" : ""})</>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      {scopes.unreadable.length > 0 ? (
        <p className="mt-2 text-xs text-amber-800" data-testid="unreadable-scopes">
          Not read: {scopes.unreadable.map((u) => `${u.scope} ${u.kind}s (${u.reason})`).join("; ")}.
        </p>
      ) : null}
      <CallsMade calls={config.calls} />
    </>
  );
}
