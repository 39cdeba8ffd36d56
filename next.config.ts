import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./lib/infra/http/security-headers";

const nextConfig: NextConfig = {
  // Native and Node-only packages stay outside the server bundle.
  serverExternalPackages: ["better-sqlite3", "libsodium-wrappers"],
  poweredByHeader: false,
  // Types are checked once by `npm run typecheck` (CI runs it); repeating it in every start-up build
  // would double the first start on two cores.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [...SECURITY_HEADERS],
      },
    ];
  },
};

export default nextConfig;
