import { AWS_ENDPOINT_SERVICES, type DeckhandConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";

/** Every page says which world it is looking at; sandbox mode says so plainly. */
export function ModeBanner({ config }: { config: DeckhandConfig }) {
  if (config.mode === "sandbox") {
    return (
      <div role="status" data-testid="mode-banner" className="bg-amber-300 px-4 py-1.5 text-center text-sm font-medium text-amber-950">
        Sandbox mode: AWS and GitHub are emulated locally at {config.sandbox.url}. Nothing here touches a real account.
      </div>
    );
  }
  const region = config.aws.region ? ` (${config.aws.region})` : "";
  const served = servedRepositories(config).length;
  return (
    <div role="status" data-testid="mode-banner" className="bg-emerald-700 px-4 py-1.5 text-center text-sm font-medium text-white">
      Live mode: {describeAws(config.aws.endpointOverrides)}
      {region} and {served > 1 ? `${served} GitHub repositories (default ${config.github.repository})` : `GitHub repository ${config.github.repository}`}.
    </div>
  );
}

/** "AWS" only when every service goes to AWS's own endpoints; otherwise the endpoint(s) the SDK was pointed at. */
export function describeAws(overrides: { service: string; url: string }[]): string {
  if (overrides.length === 0) return "AWS";
  const urls = [...new Set(overrides.map((o) => o.url))];
  if (urls.length === 1 && overrides.length === AWS_ENDPOINT_SERVICES.length) return `AWS API at ${urls[0]} (AWS_ENDPOINT_URL, not AWS's own endpoints)`;
  return `AWS with ${overrides.map((o) => `${o.service} at ${o.url}`).join(", ")} (not AWS's own endpoints)`;
}
