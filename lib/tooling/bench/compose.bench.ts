/**
 * Compose resolution (lib/judgements/compose) on a large but legitimate project and on hostile shapes a pusher can
 * write, each printed beside the legitimate project's time (the baseline). Repository content is hostile: a shape
 * that Deckhand refuses must be refused fast, with its problem printed here. Goal: every case within a second or two
 * of the baseline. The repository is in memory (no disk), so the figures are the resolver's own.
 * `BENCH_COMPOSE_N` sets the repeat count of the hostile shapes (default 1000).
 */
import { COMPOSE_LIMITS } from "../../judgements/compose/load-compose-model";
import { resolveComposeProject, type ComposeResolution } from "../../judgements/compose/resolve-compose-project";

function memoryRepo(files: Record<string, string>) {
  return async (p: string): Promise<string> => {
    if (Object.hasOwn(files, p)) return files[p];
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
  };
}

function dotenv(count: number, prefix: string): string {
  return Array.from({ length: count }, (_, i) => `${prefix}_${i}=value-${i}`).join("\n") + "\n";
}

/** 200 services across 20 includes, each include with its own .env; a 2,000-variable root .env. */
function legitimate(): Record<string, string> {
  const files: Record<string, string> = { ".env": dotenv(2000, "ROOT") + "TAG=1.2.3\n" };
  const includes: string[] = [];
  for (let i = 0; i < 20; i++) {
    includes.push(`  - svc${i}/compose.yaml`);
    files[`svc${i}/.env`] = dotenv(50, `S${i}`);
    const services = Array.from(
      { length: 10 },
      (_, j) => `  s${i}-${j}:\n    image: team/s${i}-${j}:\${TAG}\n    build:\n      context: ./app${j}\n      args:\n        A: \${S${i}_${j}}\n        B: \${ROOT_${i * 10 + j}}\n`,
    ).join("");
    files[`svc${i}/compose.yaml`] = `services:\n${services}`;
  }
  files["compose.yaml"] = `include:\n${includes.join("\n")}\nservices:\n  web:\n    build: .\n`;
  return files;
}

function hostileEnvFiles(n: number): Record<string, string> {
  return {
    ".env": dotenv(20000, "V"),
    "compose.yaml": `include:\n  - path: lib/compose.yaml\n    env_file: [${Array(n).fill("lib/a.env").join(", ")}]\nservices:\n  web:\n    build: .\n`,
    "lib/compose.yaml": "services:\n  lib:\n    build: .\n",
    "lib/a.env": "A=1\n",
  };
}

function hostileIncludes(n: number): Record<string, string> {
  return {
    ".env": dotenv(20000, "V"),
    "compose.yaml": `include: [${Array(n).fill("lib/compose.yaml").join(", ")}]\nservices:\n  web:\n    build: .\n`,
    "lib/compose.yaml": "services:\n  lib:\n    build: .\n",
  };
}

function hostileComposeFile(n: number): Record<string, string> {
  return {
    ".env": dotenv(20000, "V") + `COMPOSE_FILE=${Array(n).fill("a.yaml").join(":")}\n`,
    "a.yaml": "services:\n  web:\n    build: .\n",
  };
}

/** The worst accepted shapes: as many distinct include entries, and as many distinct env files, as the bounds allow. */
function atTheBounds(): Record<string, string> {
  const files: Record<string, string> = { ".env": dotenv(20000, "V"), "lib/compose.yaml": "services:\n  lib:\n    build: .\n" };
  const envNames = Array.from({ length: COMPOSE_LIMITS.envFilesPerInclude }, (_, i) => `env/${i}.env`);
  for (const [i, name] of envNames.entries()) files[name] = dotenv(1000, `E${i}`);
  // Distinct project directories make distinct entries: each is loaded (their lib services differ in context, so lib
  // fails as a conflict, as in Compose); 3 of them read every env file (3 × 64 ≤ 256).
  const entries = Array.from({ length: COMPOSE_LIMITS.includes }, (_, i) => `  - path: lib/compose.yaml\n    project_directory: d${i}\n${i < 3 ? `    env_file: [${envNames.join(", ")}]\n` : ""}`);
  files["compose.yaml"] = `include:\n${entries.join("")}services:\n  web:\n    build: .\n`;
  return files;
}

/** 400 services, each extending its own service of one 2,000-service (100 KiB) file. */
function extendsOneFile(): Record<string, string> {
  return {
    "base.yaml": "services:\n" + Array.from({ length: 2000 }, (_, i) => `  b${i}:\n    image: alpine\n    environment: [A=${i}]\n`).join(""),
    "compose.yaml": "services:\n" + Array.from({ length: 400 }, (_, i) => `  s${i}:\n    extends: { file: base.yaml, service: b${i} }\n`).join(""),
  };
}

async function timed(files: Record<string, string>): Promise<[ComposeResolution, number]> {
  const t0 = performance.now();
  const res = await resolveComposeProject({ read: memoryRepo(files) });
  return [res, performance.now() - t0];
}

function outcome(res: ComposeResolution): string {
  if (res.problems.length) return `refused: ${res.problems[0].message}`;
  const built = res.services.filter((s) => s.status === "build").length;
  return `${res.services.length} services, ${built} to build`;
}

export default async function benchCompose(): Promise<void> {
  const n = Number(process.env.BENCH_COMPOSE_N ?? 1000);
  await timed(legitimate()); // warm-up: module loading and JIT out of the figures
  const [legit, baseMs] = await timed(legitimate());
  console.log(`baseline: 200 services in 20 includes, 2,000-variable .env: ${baseMs.toFixed(0)} ms (${outcome(legit)})`);
  const cases: [string, Record<string, string>][] = [
    [`include env_file × ${n}, 20,000-variable .env`, hostileEnvFiles(n)],
    [`include × ${n} (same file), 20,000-variable .env`, hostileIncludes(n)],
    [`COMPOSE_FILE × ${n} (same file), 20,000-variable .env`, hostileComposeFile(n)],
    ["400 services extending one 2,000-service file (100 KiB)", extendsOneFile()],
    [`at the bounds: ${COMPOSE_LIMITS.includes} distinct includes, 3 of them with ${COMPOSE_LIMITS.envFilesPerInclude} env files of 1,000 variables, 20,000-variable .env`, atTheBounds()],
  ];
  for (const [name, files] of cases) {
    const [res, ms] = await timed(files);
    console.log(`${name}: ${ms.toFixed(0)} ms (${(ms / baseMs).toFixed(1)}× baseline) — ${outcome(res)}`);
  }
}
