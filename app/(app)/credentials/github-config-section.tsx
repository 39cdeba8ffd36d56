import type { ReadContext } from "@/lib/read/context";
import { readGithubConfig } from "@/lib/read/credentials";
import { CallsMade } from "@/components/posture/section-card";
import { PartFailure } from "@/components/part-failure";
import { StatusBadge } from "@/components/posture/status-badge";

export async function GithubConfigSection({ ctx }: { ctx: ReadContext }) {
  const config = await readGithubConfig(ctx);
  if (!config.ok) return <PartFailure failure={config.failure} what={/variables/.test(config.failure.call) ? "the repository variables" : "the repository secrets"} />;
  const { report, secrets, variables, regionNotCompared } = config.data;
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
      <p className="mt-3 text-xs text-slate-500">
        Secrets: {secrets.map((s) => s.name).join(", ") || "none"} · Variables: {variables.map((v) => `${v.name}=${v.value}`).join(", ") || "none"}
      </p>
      <CallsMade calls={config.calls} />
    </>
  );
}
