import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([".next/**", "node_modules/**", ".deckhand*/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "lib/sandbox/github/fixtures/**"]),
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Pages, components, server actions and API routes are markup over lib/read (and verbs over lib/operations):
    // none builds a client, opens the store or touches the cache itself. The push path's worker and webhook
    // routes are moved into the tiers later and are not held to this yet.
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    ignores: ["app/api/worker/**", "app/api/webhooks/**", "**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/lib/infra/db", "@/lib/infra/db/*", "@/lib/infra/cache/*", "@/lib/integrations/clients", "@/lib/integrations/clients/*", "@/lib/integrations/aws/*", "@/lib/integrations/github/*"],
              allowTypeImports: true,
              message: "Pages, components, actions and routes read through lib/read (pageReadContext/appReadContext) and act through lib/operations; they never build a client, open the store or use the cache themselves.",
            },
          ],
        },
      ],
    },
  },
]);
