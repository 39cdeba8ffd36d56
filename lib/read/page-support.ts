import { appPostureDeps } from "./app-posture";
import { invalidatePosture, type PostureDeps } from "./load-posture";

/** Deps for one page render; `?refresh=1` drops the cached reads first (the Refresh button). */
export function pagePostureDeps(searchParams: Record<string, string | string[] | undefined>): PostureDeps {
  const deps = appPostureDeps();
  if (searchParams.refresh) invalidatePosture(deps.cache);
  return deps;
}
