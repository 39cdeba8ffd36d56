import { getConfig } from "../infra/config/env";
import { getClients } from "../integrations/clients";
import { appCache } from "../infra/cache/ttl-cache";
import { postureDepsFrom, type PostureDeps } from "./load-posture";

/** The app's posture dependencies: process-wide clients and the shared 30-second cache. */
export function appPostureDeps(): PostureDeps {
  return postureDepsFrom(getConfig(), getClients(), appCache());
}
