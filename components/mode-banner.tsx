import type { DeckhandConfig } from "@/lib/infra/config/env";

/** Every page says which world it is looking at; sandbox mode says so plainly. */
export function ModeBanner({ config }: { config: DeckhandConfig }) {
  if (config.mode === "sandbox") {
    return (
      <div role="status" data-testid="mode-banner" className="bg-amber-300 px-4 py-1.5 text-center text-sm font-medium text-amber-950">
        Sandbox mode: AWS and GitHub are emulated locally at {config.sandbox.url}. Nothing here touches a real account.
      </div>
    );
  }
  return (
    <div role="status" data-testid="mode-banner" className="bg-emerald-700 px-4 py-1.5 text-center text-sm font-medium text-white">
      Live mode: real AWS{config.aws.region ? ` (${config.aws.region})` : ""} and GitHub repository {config.github.repository}.
    </div>
  );
}
