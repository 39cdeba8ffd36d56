/**
 * `npm run sandbox` — the local AWS + GitHub emulator.
 *   --reset              wipe and re-seed
 *   --scenario NAME      default | empty | partial | organization | fleet (also SANDBOX_SCENARIO)
 *   --scale large        seed the large account used by benchmarks
 */
import path from "node:path";
import { z } from "zod";
import { defaultSandboxOptions, startSandbox } from "./server";

const env = z
  .object({
    SANDBOX_PORT: z.coerce.number().int().min(1).max(65535).default(4566),
    SANDBOX_HOST: z.string().default("127.0.0.1"),
    DECKHAND_DATA_DIR: z.string().default(".deckhand"),
    SANDBOX_KEY_PROPAGATION_MS: z.coerce.number().int().min(0).default(4000),
    SANDBOX_ADMIN_TOKEN: z.string().min(8).default("sandbox-admin-token"),
    SANDBOX_SCENARIO: z.enum(["default", "empty", "partial", "organization", "fleet"]).default("default"),
    SANDBOX_LOG: z.enum(["0", "1"]).default("0"),
    GITHUB_WEBHOOK_SECRET: z.string().default("deckhand-sandbox-webhook-secret"),
    DECKHAND_URL: z.string().url().default("http://localhost:3000"),
  })
  .safeParse(process.env);

if (!env.success) {
  const issue = env.error.issues[0];
  console.error(`Sandbox configuration error: ${String(issue.path[0])}: ${issue.message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const scenario = z.enum(["default", "empty", "partial", "organization", "fleet"]).safeParse(argValue("--scenario") ?? env.data.SANDBOX_SCENARIO);
const scale = z.enum(["small", "large"]).safeParse(argValue("--scale") ?? "small");
if (!scenario.success || !scale.success) {
  console.error("Usage: npm run sandbox -- [--reset] [--scenario default|empty|partial|organization|fleet] [--scale small|large]");
  process.exit(1);
}

const options = defaultSandboxOptions({
  dataDir: path.resolve(env.data.DECKHAND_DATA_DIR),
  port: env.data.SANDBOX_PORT,
  host: env.data.SANDBOX_HOST,
  keyPropagationMs: env.data.SANDBOX_KEY_PROPAGATION_MS,
  adminToken: env.data.SANDBOX_ADMIN_TOKEN,
  scenario: scenario.data,
  scale: scale.data,
  logRequests: env.data.SANDBOX_LOG === "1",
  webhookSecret: env.data.GITHUB_WEBHOOK_SECRET,
  deckhandUrl: env.data.DECKHAND_URL,
});

// A scenario or scale given explicitly means "seed this", as does --reset.
const explicit = args.includes("--reset") || args.includes("--scenario") || args.includes("--scale");

startSandbox(options, { reset: explicit })
  .then((sb) => {
    console.log(`[sandbox] AWS and GitHub emulator listening on ${sb.url} (data: ${sb.ctx.root})`);
    const stop = async () => {
      await sb.close();
      process.exit(0);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    // Started by npm start (DECKHAND_SANDBOX_CHILD): never outlive it (its pid as our parent changes when it dies).
    if (process.env.DECKHAND_SANDBOX_CHILD === "1") {
      const parent = process.ppid;
      setInterval(() => process.ppid !== parent && void stop(), 1000).unref();
    }
  })
  .catch((err) => {
    console.error(`[sandbox] failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
