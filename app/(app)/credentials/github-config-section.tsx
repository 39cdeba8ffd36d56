import { loadRepositories, loadSecrets, loadVariables, type PostureDeps } from "@/lib/read/load-posture";
import { githubConfigSection } from "@/lib/read/views";
import { CallsMade, SectionFailure } from "@/components/posture/section-card";
import { StatusBadge } from "@/components/posture/status-badge";

export async function GithubConfigSection({ deps }: { deps: PostureDeps }) {
  const [secrets, variables, repositories] = await Promise.all([loadSecrets(deps), loadVariables(deps), loadRepositories(deps)]);
  if (!secrets.ok) return <SectionFailure error={secrets.error} what="the repository secrets" />;
  if (!variables.ok) return <SectionFailure error={variables.error} what="the repository variables" />;
  const report = githubConfigSection({ secrets: secrets.data, variables: variables.data, repositories, region: deps.clients.aws.region });
  return (
    <>
      <ul className="space-y-1 text-sm" data-testid="github-config">
        {report.findings.map((f) => (
          <li key={`${f.code}-${f.name}`}>
            <StatusBadge status={f.severity} /> {f.message}
          </li>
        ))}
      </ul>
      {!repositories.ok ? <p className="mt-2 text-xs text-amber-800">Region not compared with the repositories: {repositories.error.message}.</p> : null}
      <p className="mt-3 text-xs text-slate-500">
        Secrets: {secrets.data.map((s) => s.name).join(", ") || "none"} · Variables: {variables.data.map((v) => `${v.name}=${v.value}`).join(", ") || "none"}
      </p>
      <CallsMade calls={[...secrets.calls, ...variables.calls, ...repositories.calls]} />
    </>
  );
}
