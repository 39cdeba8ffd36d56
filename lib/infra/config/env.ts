import path from "node:path";
import { z } from "zod";
import { addKnownSecrets } from "../../errors";
import { checkBranchName } from "../../judgements/push/check-branch-name";
import {
  SANDBOX_ADMIN_TOKEN,
  SANDBOX_AWS_ADMIN,
  SANDBOX_DEFAULT_PORT,
  SANDBOX_GITHUB_ADMIN_TOKEN,
  SANDBOX_GITHUB_WORKER_TOKEN,
  SANDBOX_OAUTH_APP,
  SANDBOX_REPOSITORY,
  SANDBOX_WEBHOOK_SECRET,
} from "../../sandbox/constants";

/**
 * Deckhand's whole configuration, parsed once from the environment. A bad setting stops start-up
 * with one line naming the setting and how to fix it (ConfigError), before anything is started.
 */

export class ConfigError extends Error {
  constructor(
    public setting: string,
    public hint: string,
  ) {
    super(`${setting}: ${hint}`);
    this.name = "ConfigError";
  }
}

const loginList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be comma-separated GitHub logins")));

const REPOSITORY_RE = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const IAM_USER_RE = /^[\w+=,.@-]{1,64}$/;

/** One configured repository: `owner/name`, and its push user when GITHUB_REPOSITORIES names one (`owner/name:user`). */
export interface ConfiguredRepository {
  repository: string;
  owner: string;
  repo: string;
  /** The IAM user whose key this repository holds; DECKHAND_IAM_USER unless the entry names another. */
  pushUser: string;
  /**
   * Whether the configuration names `pushUser` (`owner/name:user`, or a wildcard `owner/*:user` that serves it): then
   * it is the operator's word and nothing Deckhand found overrides it. false: DECKHAND_IAM_USER by default, which an
   * operator may replace on the Fleet page with the user CloudTrail found (lib/infra/config/push-user-adoptions.ts).
   */
  pushUserNamed: boolean;
}

/**
 * The configured repository `?repo=owner/name` names (case-insensitive, as GitHub's names), the default (first) one
 * when absent; null when it names one Deckhand does not watch: never an arbitrary repository.
 */
export function selectRepository(repositories: readonly ConfiguredRepository[], param: string | string[] | undefined): ConfiguredRepository | null {
  if (param === undefined || param === "") return repositories[0];
  if (typeof param !== "string") return null;
  return repositories.find((r) => r.repository.toLowerCase() === param.toLowerCase()) ?? null;
}

/**
 * An owner wildcard of GITHUB_REPOSITORIES (`owner/*` or `owner/*:iam-user`): every repository of `owner` whose ECR
 * workflow takes the push key (lib/read/discover-repositories.ts), each with `pushUser`.
 */
export interface DiscoveryRule {
  owner: string;
  pushUser: string;
  /** `owner/*:iam-user`: the push user is named (see ConfiguredRepository.pushUserNamed); `owner/*`: the default. */
  pushUserNamed: boolean;
}

/** What GITHUB_REPOSITORIES names: repositories by name, and owners whose repositories are discovered. */
export interface RepositoryEntries {
  repositories: ConfiguredRepository[];
  discover: DiscoveryRule[];
}

const OWNER_RE = /^[A-Za-z0-9-]+$/;

/**
 * GITHUB_REPOSITORIES: a comma-separated list of `owner/name` or `owner/name:iam-user` (a colon cannot appear in a
 * repository name), and `owner/*` or `owner/*:iam-user` for every repository of the owner that pushes with the key
 * (discovered at start and periodically). Duplicates (GitHub names are case-insensitive) are dropped, keeping the
 * first; an entry naming the same repository (or owner wildcard) with another push user is refused. A wildcard is the
 * whole name or nothing: `*` + `/*` and `acme/web*` are refused. Throws ConfigError naming the bad entry.
 */
export function parseRepositoryEntries(value: string, defaultUser: string): RepositoryEntries {
  const out: ConfiguredRepository[] = [];
  const discover: DiscoveryRule[] = [];
  for (const entry of value.split(",").map((x) => x.trim()).filter(Boolean)) {
    const [repository, user, ...rest] = entry.split(":");
    if (repository.includes("*") && rest.length === 0) {
      const [owner, name, ...more] = repository.split("/");
      if (!OWNER_RE.test(owner) || name !== "*" || more.length > 0) {
        throw new ConfigError("GITHUB_REPOSITORIES", `"${entry}": a wildcard stands for every repository name of one owner, as owner/* (e.g. acme/*); neither an owner nor part of a name can be one`);
      }
      if (user !== undefined && !IAM_USER_RE.test(user)) throw new ConfigError("GITHUB_REPOSITORIES", `"${entry}": "${user}" must be an IAM user name`);
      const pushUser = user ?? defaultUser;
      const same = discover.find((d) => d.owner.toLowerCase() === owner.toLowerCase());
      if (same) {
        if (same.pushUser !== pushUser) throw new ConfigError("GITHUB_REPOSITORIES", `${owner}/* is listed twice with different push users (${same.pushUser}, ${pushUser})`);
        continue;
      }
      discover.push({ owner, pushUser, pushUserNamed: user !== undefined });
      continue;
    }
    if (!REPOSITORY_RE.test(repository) || rest.length > 0) {
      throw new ConfigError("GITHUB_REPOSITORIES", `"${entry}" must be owner/name, owner/name:iam-user or owner/*, e.g. acme/mcp-servers,acme/web-gateway:ecr-push-web`);
    }
    if (user !== undefined && !IAM_USER_RE.test(user)) throw new ConfigError("GITHUB_REPOSITORIES", `"${entry}": "${user}" must be an IAM user name`);
    const pushUser = user ?? defaultUser;
    const same = out.find((r) => r.repository.toLowerCase() === repository.toLowerCase());
    if (same) {
      if (same.pushUser !== pushUser) throw new ConfigError("GITHUB_REPOSITORIES", `${repository} is listed twice with different push users (${same.pushUser}, ${pushUser})`);
      continue;
    }
    const [owner, repo] = repository.split("/");
    out.push({ repository, owner, repo, pushUser, pushUserNamed: user !== undefined });
  }
  if (out.length === 0 && discover.length === 0) throw new ConfigError("GITHUB_REPOSITORIES", "must name at least one owner/name");
  return { repositories: out, discover };
}

/** The repositories GITHUB_REPOSITORIES names (its owner wildcards left out); see parseRepositoryEntries. */
export function parseRepositoryList(value: string, defaultUser: string): ConfiguredRepository[] {
  return parseRepositoryEntries(value, defaultUser).repositories;
}

/**
 * The repositories Deckhand watches by name, the default first, and the owners it discovers repositories of.
 * GITHUB_REPOSITORY alone: that one. GITHUB_REPOSITORIES alone: the list, the first named the default (a list of
 * owner wildcards only names no default: GITHUB_REPOSITORY is then required). Both: GITHUB_REPOSITORY is the default
 * and must be in the list, or be a repository of an owner/* entry (it is then served with that entry's push user,
 * discovered or not: it was named); otherwise ConfigError. GitHub Actions sets GITHUB_REPOSITORY itself, so both
 * being set is ordinary.
 */
export function resolveRepositories(single: string | undefined, list: string | undefined, defaultUser: string): RepositoryEntries | undefined {
  if (list === undefined) {
    if (single === undefined) return undefined;
    const [owner, repo] = single.split("/");
    return { repositories: [{ repository: single, owner, repo, pushUser: defaultUser, pushUserNamed: false }], discover: [] };
  }
  const { repositories: repos, discover } = parseRepositoryEntries(list, defaultUser);
  if (single === undefined) {
    if (repos.length === 0) {
      throw new ConfigError("GITHUB_REPOSITORY", `is required when GITHUB_REPOSITORIES names only owners (${discover.map((d) => `${d.owner}/*`).join(", ")}): set it to the default repository, owner/name`);
    }
    return { repositories: repos, discover };
  }
  const i = repos.findIndex((r) => r.repository.toLowerCase() === single.toLowerCase());
  if (i >= 0) return { repositories: [repos[i], ...repos.filter((_, j) => j !== i)], discover };
  const [owner, repo] = single.split("/");
  const rule = discover.find((d) => d.owner.toLowerCase() === owner.toLowerCase());
  if (rule) return { repositories: [{ repository: single, owner, repo, pushUser: rule.pushUser, pushUserNamed: rule.pushUserNamed }, ...repos], discover };
  const named = [...repos.map((r) => r.repository), ...discover.map((d) => `${d.owner}/*`)].join(", ");
  throw new ConfigError("GITHUB_REPOSITORY", `${single} is not in GITHUB_REPOSITORIES (${named}): add it there, or unset GITHUB_REPOSITORY`);
}

const port = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a port number between 1 and 65535` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be between 1 and 65535`)
    .max(65535, `${name} must be between 1 and 65535`);

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const raw = z.object({
  DECKHAND_MODE: z.enum(["sandbox", "live"], { error: 'must be "sandbox" or "live"' }).default("sandbox"),
  PORT: port("PORT").default(3000),
  DECKHAND_HOST: z.string().min(1).optional(),
  DECKHAND_URL: httpUrl.optional(),
  DECKHAND_DATA_DIR: z.string().min(1, "must be a directory path").default(".deckhand"),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
  DECKHAND_OPERATORS: loginList.optional(),
  DECKHAND_VIEWERS: loginList.optional(),
  GITHUB_REPOSITORY: z
    .string()
    .regex(REPOSITORY_RE, "must be owner/name, e.g. acme/mcp-servers")
    .optional(),
  GITHUB_REPOSITORIES: z.string().optional(),
  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_API_URL: httpUrl.optional(),
  GITHUB_URL: httpUrl.optional(),
  GITHUB_OAUTH_CLIENT_ID: z.string().min(1).optional(),
  GITHUB_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
  GITHUB_WEBHOOK_SECRET: z.string().optional(),
  GITHUB_BRANCH: z
    .string()
    .min(1)
    .superRefine((b, ctx) => {
      const problem = checkBranchName(b);
      if (problem) ctx.addIssue({ code: "custom", message: `must be a branch name (git check-ref-format --branch): it ${problem}` });
    })
    .optional(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, "must be an AWS region code such as us-east-1").optional(),
  DECKHAND_IAM_USER: z.string().regex(IAM_USER_RE, "must be an IAM user name").default("github-ecr-push"),
  DECKHAND_IAM_POLICY: z.string().regex(/^[\w+=,.@-]{1,128}$/, "must be an IAM policy name").default("ecr-push-policy"),
  DECKHAND_WORKFLOW: z.string().min(1).default("Build and Push to AWS ECR"),
  DECKHAND_EXPECTED_POLICY: z.string().min(1).optional(),
  DECKHAND_API_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  DECKHAND_WORKER_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  DECKHAND_PLATFORM_WAIT_MINUTES: z.coerce
    .number({ error: "must be a number of minutes" })
    .positive("must be more than 0 minutes")
    .max(7 * 24 * 60, "must be at most 10080 minutes (a week)")
    .default(30),
  DECKHAND_EMBEDDED_WORKER: z.enum(["0", "1"], { error: 'must be "0" or "1"' }).default("1"),
  DECKHAND_WORKER_GIT_TOKEN: z.string().min(1).optional(),
  DECKHAND_RETENTION_DAYS: z.coerce
    .number({ error: "must be a whole number of days" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(3650, "must be at most 3650 days")
    .default(30),
  SANDBOX_PORT: port("SANDBOX_PORT").default(SANDBOX_DEFAULT_PORT),
  SANDBOX_SCENARIO: z.enum(["default", "empty", "partial", "organization", "fleet"], { error: "must be default, empty, partial, organization or fleet" }).default("default"),
  SANDBOX_KEY_PROPAGATION_MS: z.coerce.number().int().min(0).max(120_000).default(4000),
});

export type Mode = "sandbox" | "live";

export interface DeckhandConfig {
  mode: Mode;
  port: number;
  hostname: string;
  /** Public base URL of Deckhand (what browsers and GitHub webhooks reach). */
  url: string;
  dataDir: string;
  authSecret: string | undefined;
  operators: string[];
  viewers: string[];
  github: {
    /** The default repository (the first of `repositories`). */
    repository: string;
    owner: string;
    repo: string;
    /**
     * Every repository Deckhand watches by name, the default first (GITHUB_REPOSITORIES, or GITHUB_REPOSITORY alone).
     * With owner wildcards (`discover`) Deckhand serves more: ask servedRepositories()
     * (lib/infra/config/served-repositories.ts), not this list.
     */
    repositories: ConfiguredRepository[];
    /** GITHUB_REPOSITORIES' owner/* entries: owners whose repositories pushing with the key are discovered. */
    discover: DiscoveryRule[];
    token: string;
    apiUrl: string;
    /** Web base URL: OAuth endpoints and links to commits. */
    webUrl: string;
    oauthClientId: string;
    oauthClientSecret: string;
    webhookSecret: string | undefined;
    /** Branch whose pushes Deckhand builds; undefined = the repository's default branch. */
    branch: string | undefined;
  };
  aws: {
    /** undefined in live mode = the SDK's standard region chain. */
    region: string | undefined;
    /** Sandbox endpoint; undefined in live mode. */
    endpoint: string | undefined;
    /**
     * Live mode: endpoints the AWS SDK takes from the environment instead of AWS's own (AWS_ENDPOINT_URL and
     * AWS_ENDPOINT_URL_<SERVICE>, per the SDKs and Tools reference guide, "Service-specific endpoints"), so the
     * banner can say which AWS Deckhand talks to. Empty when none is set or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
     */
    endpointOverrides: { service: string; url: string }[];
    /** Explicit credentials in sandbox mode; live mode uses the standard credential chain. */
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  };
  iamUser: string;
  iamPolicyName: string;
  workflowName: string;
  expectedPolicyPath: string | undefined;
  apiToken: string | undefined;
  workerToken: string | undefined;
  /**
   * The token workers fetch commits with: read-only on the repository's contents (a fine-grained personal access
   * token with Contents: read, or a GitHub App installation token with contents: read). Never GITHUB_TOKEN. In
   * sandbox mode, the sandbox's read-only token.
   */
  workerGitToken: string | undefined;
  /**
   * DECKHAND_PLATFORM_WAIT_MINUTES (default 30; fractions allowed): how long a service its job's worker could not
   * build waits for a worker that reports its platform before it fails.
   */
  platformWaitMinutes: number;
  /** Finished jobs, their logs and webhook deliveries older than this are pruned (DECKHAND_RETENTION_DAYS). */
  retentionDays: number;
  embeddedWorker: boolean;
  sandbox: { port: number; url: string; scenario: "default" | "empty" | "partial" | "organization" | "fleet"; keyPropagationMs: number; adminToken: string };
}

const HINTS: Record<string, string> = {
  GITHUB_REPOSITORY: "set it to owner/name of the repository that pushes to ECR (or GITHUB_REPOSITORIES to several)",
  GITHUB_TOKEN: "set it to a token with repo (secrets, variables, actions) access to GITHUB_REPOSITORY",
  GITHUB_OAUTH_CLIENT_ID: "create a GitHub OAuth app whose callback is <DECKHAND_URL>/api/auth/callback/github and set its client id",
  GITHUB_OAUTH_CLIENT_SECRET: "set it to the OAuth app's client secret",
  NEXTAUTH_SECRET: "set it to a random string of at least 32 characters (`openssl rand -base64 32`)",
  DECKHAND_OPERATORS: "set it to a comma-separated list of GitHub logins allowed to change things",
  DECKHAND_URL: "set it to the public https:// URL Deckhand is reached at",
};

/** The shortest webhook secret live mode accepts (GitHub signs deliveries with it: HMAC-SHA256). */
export const MIN_WEBHOOK_SECRET_LENGTH = 20;

function required<T>(value: T | undefined, setting: string): T {
  if (value === undefined || value === "") throw new ConfigError(setting, `is required when DECKHAND_MODE=live; ${HINTS[setting] ?? "set it"}`);
  return value;
}

/** Parse and validate; throws ConfigError naming the first bad setting. */
export function parseConfig(env: Record<string, string | undefined>): DeckhandConfig {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = raw.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const setting = String(issue.path[0] ?? "configuration");
    const value = cleaned[setting];
    throw new ConfigError(setting, `${issue.message}${value !== undefined && !/SECRET|TOKEN/.test(setting) ? ` (got "${value}")` : ""}`);
  }
  const e = result.data;
  const mode = e.DECKHAND_MODE;
  const url = (e.DECKHAND_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  const sandboxUrl = `http://127.0.0.1:${e.SANDBOX_PORT}`;
  const dataDir = path.resolve(e.DECKHAND_DATA_DIR);
  // What both modes read the same way.
  const common = {
    mode,
    port: e.PORT,
    url,
    dataDir,
    iamUser: e.DECKHAND_IAM_USER,
    iamPolicyName: e.DECKHAND_IAM_POLICY,
    workflowName: e.DECKHAND_WORKFLOW,
    expectedPolicyPath: e.DECKHAND_EXPECTED_POLICY,
    apiToken: e.DECKHAND_API_TOKEN,
    workerToken: e.DECKHAND_WORKER_TOKEN,
    platformWaitMinutes: e.DECKHAND_PLATFORM_WAIT_MINUTES,
    retentionDays: e.DECKHAND_RETENTION_DAYS,
    embeddedWorker: e.DECKHAND_EMBEDDED_WORKER === "1",
    sandbox: { port: e.SANDBOX_PORT, url: sandboxUrl, scenario: e.SANDBOX_SCENARIO, keyPropagationMs: e.SANDBOX_KEY_PROPAGATION_MS, adminToken: SANDBOX_ADMIN_TOKEN },
  };

  if (mode === "live") {
    const { repositories, discover } = required(resolveRepositories(e.GITHUB_REPOSITORY, e.GITHUB_REPOSITORIES, e.DECKHAND_IAM_USER), "GITHUB_REPOSITORY");
    const { repository, owner, repo } = repositories[0];
    const token = required(e.GITHUB_TOKEN, "GITHUB_TOKEN");
    const apiUrl = (e.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, "");
    // GitHub Enterprise Server serves the API under /api/v3 of its web host.
    const webUrl = (e.GITHUB_URL ?? (apiUrl === "https://api.github.com" ? "https://github.com" : apiUrl.replace(/\/api\/v3$/, ""))).replace(/\/+$/, "");
    const operators = required(e.DECKHAND_OPERATORS && e.DECKHAND_OPERATORS.length ? e.DECKHAND_OPERATORS : undefined, "DECKHAND_OPERATORS");
    const secret = required(e.NEXTAUTH_SECRET ?? e.AUTH_SECRET, "NEXTAUTH_SECRET");
    if (!e.DECKHAND_URL) throw new ConfigError("DECKHAND_URL", `is required when DECKHAND_MODE=live; ${HINTS.DECKHAND_URL}`);
    // Anyone who guesses it can queue pushes: a short secret is refused at start.
    if (e.GITHUB_WEBHOOK_SECRET !== undefined && e.GITHUB_WEBHOOK_SECRET.length < MIN_WEBHOOK_SECRET_LENGTH) {
      throw new ConfigError(
        "GITHUB_WEBHOOK_SECRET",
        `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters when DECKHAND_MODE=live (got ${e.GITHUB_WEBHOOK_SECRET.length}); use a random one (\`openssl rand -hex 32\`) and set the same in the repository's webhook`,
      );
    }
    if (e.DECKHAND_WORKER_GIT_TOKEN && e.DECKHAND_WORKER_GIT_TOKEN === token) {
      throw new ConfigError("DECKHAND_WORKER_GIT_TOKEN", "must not be GITHUB_TOKEN: workers get a token that can only read the repository's contents");
    }
    return {
      ...common,
      workerGitToken: e.DECKHAND_WORKER_GIT_TOKEN,
      hostname: e.DECKHAND_HOST ?? "0.0.0.0",
      authSecret: secret,
      operators,
      viewers: e.DECKHAND_VIEWERS ?? [],
      github: {
        repository,
        owner,
        repo,
        repositories,
        discover,
        token,
        apiUrl,
        webUrl,
        oauthClientId: required(e.GITHUB_OAUTH_CLIENT_ID, "GITHUB_OAUTH_CLIENT_ID"),
        oauthClientSecret: required(e.GITHUB_OAUTH_CLIENT_SECRET, "GITHUB_OAUTH_CLIENT_SECRET"),
        webhookSecret: e.GITHUB_WEBHOOK_SECRET,
        branch: e.GITHUB_BRANCH,
      },
      aws: { region: e.AWS_REGION, endpoint: undefined, endpointOverrides: configuredAwsEndpoints(env), credentials: undefined },
    };
  }

  const { repositories, discover } = resolveRepositories(e.GITHUB_REPOSITORY, e.GITHUB_REPOSITORIES, e.DECKHAND_IAM_USER) ?? resolveRepositories(SANDBOX_REPOSITORY, undefined, e.DECKHAND_IAM_USER)!;
  const { repository, owner, repo } = repositories[0];
  return {
    ...common,
    workerGitToken: e.DECKHAND_WORKER_GIT_TOKEN ?? SANDBOX_GITHUB_WORKER_TOKEN,
    // The sandbox lets anyone sign in as anyone: keep it on this machine unless told otherwise.
    hostname: e.DECKHAND_HOST ?? "127.0.0.1",
    authSecret: e.NEXTAUTH_SECRET ?? e.AUTH_SECRET,
    operators: e.DECKHAND_OPERATORS ?? ["octo-operator"],
    viewers: e.DECKHAND_VIEWERS ?? ["octo-viewer"],
    github: {
      repository,
      owner,
      repo,
      repositories,
      discover,
      token: e.GITHUB_TOKEN ?? SANDBOX_GITHUB_ADMIN_TOKEN,
      apiUrl: `${sandboxUrl}/api/v3`,
      webUrl: sandboxUrl,
      oauthClientId: SANDBOX_OAUTH_APP.clientId,
      oauthClientSecret: SANDBOX_OAUTH_APP.clientSecret,
      webhookSecret: e.GITHUB_WEBHOOK_SECRET ?? SANDBOX_WEBHOOK_SECRET,
      branch: e.GITHUB_BRANCH,
    },
    aws: { region: e.AWS_REGION ?? "us-east-1", endpoint: sandboxUrl, endpointOverrides: [], credentials: { ...SANDBOX_AWS_ADMIN } },
  };
}

/** The services Deckhand calls, by the suffix of their AWS_ENDPOINT_URL_<SERVICE> variable. */
export const AWS_ENDPOINT_SERVICES = ["ECR", "IAM", "STS", "CLOUDTRAIL"] as const;

/**
 * Endpoints the AWS SDK for JavaScript v3 reads from the environment: `AWS_ENDPOINT_URL_<SERVICE>` wins over
 * `AWS_ENDPOINT_URL`; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns both off (AWS SDKs and Tools reference guide,
 * "Service-specific endpoints"). Returns one entry per service that does not go to AWS's own endpoint.
 */
export function configuredAwsEndpoints(env: Record<string, string | undefined>): { service: string; url: string }[] {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").toLowerCase() === "true") return [];
  const global = env.AWS_ENDPOINT_URL?.trim() || undefined;
  return AWS_ENDPOINT_SERVICES.flatMap((service) => {
    const url = env[`AWS_ENDPOINT_URL_${service}`]?.trim() || global;
    return url ? [{ service, url }] : [];
  });
}

let cached: DeckhandConfig | undefined;

/** The process-wide configuration, parsed on first use. */
export function getConfig(): DeckhandConfig {
  if (!cached) {
    cached = parseConfig(process.env);
    // Whatever their shape, these never reach a log line (redact()).
    const c = cached;
    addKnownSecrets([c.github.token, c.github.webhookSecret, c.github.oauthClientSecret, c.apiToken, c.workerToken, c.workerGitToken, c.authSecret, process.env.NEXTAUTH_SECRET]);
  }
  return cached;
}

/** Tests only: forget the parsed configuration. */
export function resetConfigForTests(): void {
  cached = undefined;
}
