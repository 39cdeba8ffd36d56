/**
 * The environment a builder (and through it every RUN step) is started with: an explicit allowlist, never the
 * worker's own environment. The worker holds AWS credentials, GitHub tokens and Deckhand's settings in its
 * environment; buildah hands its environment to nothing in RUN steps itself, but helper processes (the OCI runtime,
 * git credential helpers, proxies) should not see them either.
 */

const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Variables a builder may need from the host to pull base images, and nothing that names a credential of
 * Deckhand's: a registry auth file's path (its content is the operator's choice for pulls), containers' config
 * overrides, and proxies (buildah is run with --http-proxy=false so they do not reach RUN steps).
 */
const PASS_THROUGH = [
  "REGISTRY_AUTH_FILE",
  "CONTAINERS_CONF",
  "CONTAINERS_REGISTRIES_CONF",
  "CONTAINERS_STORAGE_CONF",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
] as const;

/**
 * `{ PATH, HOME, TMPDIR, LANG }` plus the pass-through variables present in `from`, plus `extra`.
 * `home` and `tmpDir` are directories the build owns (inside its work directory).
 */
export function buildEnv({
  home,
  tmpDir,
  extra = {},
  from = process.env,
}: {
  home: string;
  tmpDir: string;
  extra?: Record<string, string>;
  from?: NodeJS.ProcessEnv;
}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { PATH: SYSTEM_PATH, HOME: home, TMPDIR: tmpDir, LANG: "C.UTF-8" };
  for (const name of PASS_THROUGH) if (from[name]) env[name] = from[name];
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}

/**
 * The worker's environment without what names a credential or a Deckhand setting, for helper processes that need
 * the rest (git needs HOME, proxies and locale). Drops AWS_*, GITHUB_*, DECKHAND_*, NEXTAUTH_*, AUTH_*, SANDBOX_*
 * and anything whose name says TOKEN, SECRET, PASSWORD or KEY.
 */
export function withoutCredentials(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(from)) {
    if (/^(AWS_|GITHUB_|DECKHAND_|NEXTAUTH_|AUTH_|SANDBOX_|GH_|ACTIONS_)/i.test(name)) continue;
    if (/TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|(^|_)KEY($|_)/i.test(name)) continue;
    out[name] = value;
  }
  return out as NodeJS.ProcessEnv;
}
