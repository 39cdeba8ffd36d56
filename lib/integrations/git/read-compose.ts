import { createCheckoutReader } from "./read-checkout-file";
import type { BuildFeatures } from "../build/build-image";
import {
  COMPOSE_FILE_NAMES,
  resolveComposeProject,
  type ComposeEnv,
  type ComposeProblem,
  type ComposeResolution,
  type ReadRepoFile,
} from "../../judgements/compose/resolve-compose-project";

export { COMPOSE_FILE_NAMES };

/** One service as today's build path (push-service, build-image) builds it. */
export interface ServiceBuild {
  service: string;
  /** ECR repository: the prefix plus the service name, or plus the repository part of `image:`. */
  repositoryName: string;
  /** Build context relative to the checkout root, POSIX separators, "." for the root. */
  context: string;
  /** Dockerfile relative to the checkout root; undefined when it is inline (`features.dockerfileInline`). */
  dockerfile?: string;
  args: Record<string, string>;
  target?: string;
  /** Inline Dockerfile, labels, no_cache, pull, the one platform to build for, additional contexts, secret files. */
  features: BuildFeatures;
  /** 1-based line of the service in the compose file, for messages. */
  line: number;
}

/** A service that will not be built, and why: the job goes on with the others. */
export interface NotBuiltService {
  service: string;
  reason: "no-build" | "profile-not-selected";
  message: string;
}

/**
 * A service whose compose definition cannot be built: it becomes a failed service outcome, the other services still
 * build. `message` names file, line and key ("compose.yaml:5:7: services.m1.build.secrets: ...").
 */
export interface FailedServiceBuild {
  service: string;
  /** The ECR repository it would push to, when the plan got that far; else "". */
  repositoryName: string;
  /** The definition is wrong, or uses a key Deckhand does not build (remote context, build.network, ...). */
  reason: "compose-invalid";
  file: string;
  line?: number;
  column?: number;
  key?: string;
  message: string;
}

export interface ComposePlan {
  /** The compose file(s), relative to the checkout root ("compose.yaml, compose.override.yaml" for several). */
  file: string;
  builds: ServiceBuild[];
  /** Services not built (pulled images, profiles not selected), with the reason. */
  notBuilt: NotBuiltService[];
  /** Services that fail before building, each with file, line and key. */
  failed: FailedServiceBuild[];
  /** The full resolution, per service. */
  resolution: ComposeResolution;
}

export class ComposeError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ""}` : ""}: ${problem}`);
    this.name = "ComposeError";
  }
}

export interface ComposeOptions {
  /** Prepended verbatim to every repository name: include your separator, e.g. "team/" or "shop-". */
  prefix?: string;
  /** Variables for interpolation; they win over the repository's .env. Never process.env: a worker's environment must not leak in. */
  env?: ComposeEnv;
  /** Active profiles (DECKHAND_COMPOSE_PROFILES); default: COMPOSE_PROFILES from env / .env. */
  profiles?: string[];
}

/**
 * Resolves the checkout's Compose project (lib/judgements/compose) and plans each service for the build path.
 * `composePath` is DECKHAND_COMPOSE_FILE: one file or several separated by ":" as in COMPOSE_FILE; unset, Compose's
 * own lookup (and COMPOSE_FILE from the repository's .env) applies.
 *
 * Only a project that cannot be read at all (no file, YAML or schema errors outside services, ...) throws. A service
 * whose definition is wrong, or uses a key this worker does not build, comes back in `failed` naming file, line and
 * key: it fails alone, the other services still build. Nothing is skipped in silence.
 * @throws ComposeError
 */
export async function readCompose({
  root,
  composePath,
  read = createCheckoutReader(root),
  ...options
}: { root: string; composePath?: string; read?: ReadRepoFile } & ComposeOptions): Promise<ComposePlan> {
  const resolution = await resolveComposeProject({
    read,
    files: composePath ? composePath.split(":").filter(Boolean) : undefined,
    env: options.env,
    profiles: options.profiles,
    prefix: options.prefix,
  });
  return toComposePlan(resolution);
}

/** The resolution as builds, services not built and failed services; throws for a project-level problem. */
export function toComposePlan(resolution: ComposeResolution): ComposePlan {
  const first = resolution.problems[0];
  if (first) throw problemError(first, "");
  const builds: ServiceBuild[] = [];
  const notBuilt: NotBuiltService[] = [];
  const failed: FailedServiceBuild[] = [];
  for (const plan of resolution.services) {
    if (plan.status === "failed") {
      const p = plan.problems[0];
      const more = plan.problems.length > 1 ? ` (and ${plan.problems.length - 1} more problem${plan.problems.length > 2 ? "s" : ""} in this service)` : "";
      failed.push({ service: plan.service, repositoryName: "", reason: "compose-invalid", file: p.file, line: p.line, column: p.column, key: p.key, message: problemError(p, more).message });
      continue;
    }
    if (plan.status === "not-built") {
      notBuilt.push({ service: plan.service, reason: plan.reason, message: plan.message });
      continue;
    }
    const b = plan.build;
    builds.push({
      service: b.service,
      repositoryName: b.repositoryName,
      context: b.context,
      dockerfile: b.dockerfile.kind === "path" ? b.dockerfile.path : undefined,
      args: b.args,
      target: b.target,
      features: {
        ...(b.dockerfile.kind === "inline" ? { dockerfileInline: b.dockerfile.text } : {}),
        ...(Object.keys(b.labels).length ? { labels: b.labels } : {}),
        ...(b.noCache ? { noCache: true } : {}),
        ...(b.pull ? { pull: true } : {}),
        ...(b.platforms.length === 1 ? { platform: b.platforms[0] } : {}),
        ...(b.platforms.length > 1 ? { platforms: b.platforms } : {}),
        ...(Object.keys(b.additionalContexts).length ? { additionalContexts: b.additionalContexts } : {}),
        ...(b.secrets.length ? { secrets: b.secrets } : {}),
      },
      line: b.at.line,
    });
  }
  return { file: resolution.files.join(", "), builds, notBuilt, failed, resolution };
}

function problemError(p: ComposeProblem, suffix: string): ComposeError {
  return new ComposeError(p.file, p.line, p.column, p.message + suffix);
}

/** The OCI platform buildah builds for when given none: the host's. */
export function nativeBuildPlatform(): string {
  const arch = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" }[process.arch as string] ?? process.arch;
  return `linux/${arch}`;
}
