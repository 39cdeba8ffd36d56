import { withBearer } from "@/lib/infra/http/route-wrappers";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { appReadContext } from "@/lib/read/context";
import { METRICS_CONTENT_TYPE, readMetricsText } from "@/lib/read/metrics";

export const dynamic = "force-dynamic";

/** Prometheus gauges: key age (per push user), check status and push verdict (per repository), drift counts. */
export const GET = withBearer({ name: "api.metrics", token: (c) => c.apiToken }, async (_req, { config }) => {
  return new Response(await readMetricsText(appReadContext(), servedRepositories(config)), { headers: { "content-type": METRICS_CONTENT_TYPE } });
});
