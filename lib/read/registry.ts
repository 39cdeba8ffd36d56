// The Registry pages: ECR repositories with image facts, one repository's images with their config
// digests and the Deckhand push job that produced each. Listings are cached briefly (one in-flight call
// between concurrent renders); what a manifest says is kept for the process's life, and that ECR would not return one for a minute.

import { batchGetManifests, describeImages, describeRepository, listRepositories, type ImageSummary, type RepositorySummary } from "../integrations/aws/ecr";
import { IMAGE_CONFIG_TYPES, isIndexMediaType, readManifestRefs, type ManifestRefs } from "../judgements/registry/manifest-refs";
import { isCosignTag, nestIndexChildren, type NestedImages } from "../judgements/registry/nest-index-children";
import { findTaggedImage, latestSince, summarizeImages, type RepositoryFacts } from "../judgements/registry/image-facts";
import { needsAllFacts, parseRepositoryQuery, queryRepositories, type QueryResult, type RepositoryQuery } from "../judgements/registry/repository-query";
import { parseImageQuery, queryImages, type ImageQuery } from "../judgements/registry/image-query";
import { jobsThatPushed } from "../operations/pushes/job-store";
import { listEcrOwners, type EcrOwner } from "../operations/pushes/ecr-owners-store";
import { getCallerIdentity } from "../integrations/aws/sts";
import { mapLimit } from "../infra/map-limit";
import { callApi, describeFailure, type Failure, type Part } from "../failures";
import { READ_CACHE_PREFIXES, readPart, type ReadContext } from "./context";

export type RegistryContext = Pick<ReadContext, "clients" | "cache" | "db" | "now">;

const ECR = READ_CACHE_PREFIXES.registry;
const REPOS_TTL = 60_000;
const IMAGES_TTL = 30_000;
const region = (ctx: RegistryContext) => ctx.clients.aws.region;

function repositories(ctx: RegistryContext): Promise<Part<RepositorySummary[]>> {
  return readPart(ctx, `${ECR}repos:${region(ctx)}`, REPOS_TTL, ["ECR DescribeRepositories"], () =>
    callApi("ecr", "DescribeRepositories", () => listRepositories({ ecr: ctx.clients.aws.ecr })),
  );
}

function images(ctx: RegistryContext, name: string): Promise<Part<ImageSummary[]>> {
  return readPart(ctx, `${ECR}images:${region(ctx)}:${name}`, IMAGES_TTL, ["ECR DescribeImages"], () =>
    callApi("ecr", `DescribeImages (${name})`, () => describeImages({ ecr: ctx.clients.aws.ecr, repositoryName: name })),
  );
}

export type FactsResult = { ok: true; facts: RepositoryFacts } | { ok: false; failure: Failure };

/**
 * Image facts for the given repositories, 16 DescribeImages listings at a time. Entries of image indexes (platform
 * images, attestation manifests) are not counted as untagged images of their own.
 */
async function factsOf(ctx: RegistryContext, names: readonly string[]): Promise<Map<string, FactsResult>> {
  const results = await mapLimit(names, 16, async (name): Promise<FactsResult> => {
    const p = await images(ctx, name);
    return p.ok ? { ok: true, facts: summarizeImages((await nestedImages(ctx, name, p.data)).top) } : { ok: false, failure: p.failure };
  });
  return new Map(names.map((n, i) => [n, results[i]]));
}

/**
 * `owner`: the served repository whose services push into it (issue 16), null when nobody claimed it, undefined when
 * the account could not be read (STS GetCallerIdentity failed: the table's `owners` says how).
 */
export type RepositoryRowView = RepositorySummary & { imageCount: number | null; latestPushedAt: string | null; facts: FactsResult | undefined; owner?: EcrOwner | null };

/** The repository table: the page's rows, and whether their owners could be read (the failed call when not). */
export type RepositoryTableView = QueryResult<RepositoryRowView> & { owners: { ok: true } | { ok: false; failure: Failure } };

/**
 * The account of the app's credentials (STS GetCallerIdentity), the key of ECR repository owners with the region.
 * Cached like the listings, under the registry's prefix, so Refresh asks STS again and a failure is the page's to say.
 */
function account(ctx: RegistryContext): Promise<Part<string>> {
  return readPart(ctx, `${ECR}account:${region(ctx)}`, REPOS_TTL, ["STS GetCallerIdentity"], () =>
    callApi("sts", "GetCallerIdentity", () => getCallerIdentity({ sts: ctx.clients.aws.sts })).then((id) => id.account),
  );
}

/** The recorded owners of the region's ECR repositories (the store's, issue 16) by name, or why they are unknown. */
async function ownersOf(ctx: RegistryContext): Promise<Part<Map<string, EcrOwner>>> {
  const a = await account(ctx);
  if (!a.ok) return a;
  return { ...a, data: new Map(listEcrOwners(ctx.db, { account: a.data, region: region(ctx) }).map((o) => [o.ecrRepository, o])) };
}

/**
 * The repository table for the page's query. Sorting by name needs no image listings, so facts are read
 * only for the rows shown; sorting by image count or push time needs every repository's.
 */
export async function readRepositoryTable(ctx: RegistryContext, searchParams: Record<string, string | string[] | undefined>): Promise<{ query: RepositoryQuery; table: Part<RepositoryTableView> }> {
  const query = parseRepositoryQuery(searchParams);
  const repos = await repositories(ctx);
  if (!repos.ok) return { query, table: repos };
  const all = needsAllFacts(query) ? await factsOf(ctx, repos.data.map((r) => r.name)) : null;
  const rows = repos.data.map((r): RepositoryRowView => {
    const f = all?.get(r.name);
    return { ...r, imageCount: f?.ok ? f.facts.imageCount : null, latestPushedAt: f?.ok ? f.facts.latestPushedAt : null, facts: f };
  });
  const result = queryRepositories(rows, query);
  const pageFacts = all ?? (await factsOf(ctx, result.rows.map((r) => r.name)));
  const owners = await ownersOf(ctx);
  const owner = (name: string) => (owners.ok ? (owners.data.get(name) ?? null) : undefined);
  return {
    query,
    table: {
      ...repos,
      data: { ...result, rows: result.rows.map((r) => ({ ...r, facts: pageFacts.get(r.name), owner: owner(r.name) })), owners: owners.ok ? { ok: true } : { ok: false, failure: owners.failure } },
    },
  };
}

/** One repository, or null when ECR does not have it. */
export function readRepository(ctx: RegistryContext, name: string): Promise<Part<RepositorySummary | null>> {
  return readPart(ctx, `${ECR}repo:${region(ctx)}:${name}`, REPOS_TTL, ["ECR DescribeRepositories"], () =>
    callApi("ecr", "DescribeRepositories", () => describeRepository({ ecr: ctx.clients.aws.ecr, repositoryName: name })),
  );
}

/**
 * Manifests never change for a digest, so what we read from them is kept for the process's life
 * (bounded). This matters beyond speed: ECR records a BatchGetImage as a pull, so re-reading would
 * keep moving "last pull" on the very page that shows it.
 */
const g = globalThis as unknown as { deckhandManifestRefs?: Map<string, ManifestRefs>; deckhandManifestFailures?: Map<string, { reason: string; until: number }> };
const MAX_REFS = 100_000;
function refsStore(): Map<string, ManifestRefs> {
  g.deckhandManifestRefs ??= new Map();
  return g.deckhandManifestRefs;
}

/**
 * How long a manifest BatchGetImage did not return (a `failures` entry such as ImageNotFound, or missing from its
 * answer) is not asked for again: a Registry view then does not repeat those calls, while a manifest that appears
 * later (an image pushed meanwhile, a permission fixed) is read within a minute. A whole call that throws (throttling,
 * access denied) is not remembered: the next view tries again and says why it failed.
 */
export const REFS_FAILURE_TTL_MS = 60_000;
function failuresStore(): Map<string, { reason: string; until: number }> {
  g.deckhandManifestFailures ??= new Map();
  return g.deckhandManifestFailures;
}
export interface ConfigDigestInfo {
  configDigest: string | null;
  /** For an image index: the linux/amd64 manifest the config digest was read from. */
  platformDigest: string | null;
  note: string | null;
}

const refKey = (ctx: Pick<ReadContext, "clients">, repositoryName: string, digest: string) => `${region(ctx as RegistryContext)}:${repositoryName}@${digest}`;

/**
 * Reads (once per process) the manifests of `wanted` digests not read yet: one BatchGetImage per 100. Returns the
 * wanted digests that could not be read, each with ECR's reason ("ImageNotFound: Requested image not found"), whether
 * just now or within REFS_FAILURE_TTL_MS, when they are not asked for again. Throws what BatchGetImage throws.
 */
async function fetchRefs(ctx: Pick<ReadContext, "clients" | "now">, repositoryName: string, wanted: readonly string[]): Promise<Map<string, string>> {
  const store = refsStore();
  const failed = failuresStore();
  const now = (ctx.now?.() ?? new Date()).getTime();
  const unread = new Map<string, string>();
  const missing: string[] = [];
  for (const d of new Set(wanted)) {
    const key = refKey(ctx, repositoryName, d);
    if (store.has(key)) continue;
    const f = failed.get(key);
    if (f && f.until > now) unread.set(d, f.reason);
    else missing.push(d);
  }
  if (missing.length === 0) return unread;
  const { manifests, failures } = await batchGetManifests({ ecr: ctx.clients.aws.ecr, repositoryName, digests: missing });
  if (store.size + manifests.length > MAX_REFS) store.clear();
  for (const m of manifests) store.set(refKey(ctx, repositoryName, m.digest), readManifestRefs(m.manifest, m.mediaType));
  const why = new Map(failures.map((f) => [f.digest, [f.code, f.reason].filter(Boolean).join(": ") || "refused without a reason"]));
  if (failed.size + missing.length > MAX_REFS) {
    for (const [k, f] of failed) if (f.until <= now) failed.delete(k);
    if (failed.size + missing.length > MAX_REFS) failed.clear();
  }
  for (const d of missing) {
    const key = refKey(ctx, repositoryName, d);
    if (store.has(key)) {
      failed.delete(key);
      continue;
    }
    const reason = why.get(d) ?? "not in BatchGetImage's answer";
    failed.set(key, { reason, until: now + REFS_FAILURE_TTL_MS });
    unread.set(d, reason);
  }
  return unread;
}

/** "3 image indexes could not be read (ImageNotFound: …)": the count and the first reason. */
function unreadSentence(unread: ReadonlyMap<string, string>, what: string, whats: string, consequence: string): string | null {
  if (unread.size === 0) return null;
  const reasons = [...new Set(unread.values())];
  return `${unread.size} ${unread.size === 1 ? what : whats} could not be read (${reasons[0]}${reasons.length > 1 ? `, and ${reasons.length - 1} other reason${reasons.length > 2 ? "s" : ""}` : ""}): ${consequence}`;
}

/** At most this many image indexes of one repository are read to nest their entries (5 BatchGetImage calls). */
const MAX_INDEXES = 500;

export type NestedImagesView = NestedImages<ImageSummary> & { unreadIndexes: string | null };

/**
 * Manifests to read to tell whether they are referrers (signatures, attestations, SBOMs) of another image: those
 * DescribeImages says have a `subjectManifestDigest`, those tagged only with cosign's `sha256-<hex>.sig|.att|.sbom`
 * tags, and untagged ones whose artifact media type is not an image config (a `subject` may be in the manifest, on
 * registries and emulators without the field). Neither the field nor the tag is taken on its own word: only the
 * manifest tells an artifact from an image someone can run (isArtifactManifest). Entries of listed indexes are shown
 * inside them and not read; a manifest with an ordinary tag stays a row whatever it is.
 */
function artifactsToRead(list: readonly ImageSummary[], refs: ReadonlyMap<string, ManifestRefs>): string[] {
  const inIndexes = new Set([...refs.values()].flatMap((r) => (r.kind === "index" ? r.children.map((c) => c.digest) : [])));
  return list
    .filter((i) => !isIndexMediaType(i.manifestMediaType) && !inIndexes.has(i.digest) && i.tags.every(isCosignTag))
    .filter((i) => !!i.subjectDigest || i.tags.length > 0 || (!!i.artifactMediaType && !IMAGE_CONFIG_TYPES.has(i.artifactMediaType)))
    .map((i) => i.digest);
}

/**
 * The repository's images with the entries of its image indexes nested under them, and referrers (signatures,
 * attestations, SBOMs) under their subject (judgements/registry/nest-index-children). Manifests are read once per
 * process: DescribeImages' media types, subjects and tags say which images may be indexes or referrers, so repositories
 * holding neither cost no call. What cannot be read stays a row of its own and `unreadIndexes` says so.
 */
export async function nestedImages(ctx: Pick<ReadContext, "clients" | "now">, repositoryName: string, list: readonly ImageSummary[]): Promise<NestedImagesView> {
  const allIndexes = list.filter((i) => isIndexMediaType(i.manifestMediaType)).map((i) => i.digest);
  const indexDigests = allIndexes.slice(0, MAX_INDEXES);
  const refs = new Map<string, ManifestRefs>();
  const collect = (digests: readonly string[]) => {
    for (const d of digests) {
      const r = refsStore().get(refKey(ctx, repositoryName, d));
      if (r) refs.set(d, r);
    }
  };
  let unreadIndexes: string | null = allIndexes.length > MAX_INDEXES ? `Only ${MAX_INDEXES} of ${allIndexes.length} image indexes were read: entries of the others show as images.` : null;
  if (indexDigests.length) {
    try {
      const unread = await fetchRefs(ctx, repositoryName, indexDigests);
      unreadIndexes = [unreadIndexes, unreadSentence(unread, "image index", "image indexes", "their platform images and attestations show as images.")].filter(Boolean).join(" ") || null;
    } catch (err) {
      unreadIndexes = `Image indexes could not be read (${describeFailure(err, "ecr", "BatchGetImage").message}): their platform images and attestations, and any signatures or SBOMs, show as images.`;
      return { ...nestIndexChildren(list, refs), unreadIndexes };
    }
    collect(indexDigests);
  }
  const allArtifacts = artifactsToRead(list, refs);
  const artifacts = allArtifacts.slice(0, Math.max(0, MAX_INDEXES - indexDigests.length));
  if (allArtifacts.length > artifacts.length) unreadIndexes = [unreadIndexes, `${allArtifacts.length - artifacts.length} possible signatures, attestations or SBOMs were not read: they show as images.`].filter(Boolean).join(" ");
  if (artifacts.length) {
    try {
      const unread = await fetchRefs(ctx, repositoryName, artifacts);
      unreadIndexes = [unreadIndexes, unreadSentence(unread, "possible signature, attestation or SBOM", "possible signatures, attestations or SBOMs", "they show as images.")].filter(Boolean).join(" ") || null;
      collect(artifacts);
    } catch (err) {
      unreadIndexes = [unreadIndexes, `Possible signatures, attestations and SBOMs could not be read (${describeFailure(err, "ecr", "BatchGetImage").message}): they show as images.`].filter(Boolean).join(" ");
    }
  }
  return { ...nestIndexChildren(list, refs), unreadIndexes };
}

/** Config digests for images of one repository: one BatchGetImage per 100 uncached digests (+ one for index children). */
async function loadConfigDigests(ctx: Pick<ReadContext, "clients" | "now">, repositoryName: string, digests: readonly string[]): Promise<Map<string, ConfigDigestInfo>> {
  const store = refsStore();
  const key = (d: string) => refKey(ctx, repositoryName, d);
  const unread = await fetchRefs(ctx, repositoryName, digests);
  const children = digests.map((d) => store.get(key(d))).flatMap((r) => (r?.kind === "index" && r.linuxAmd64Digest ? [r.linuxAmd64Digest] : []));
  if (children.length) await fetchRefs(ctx, repositoryName, children);
  const out = new Map<string, ConfigDigestInfo>();
  for (const d of digests) {
    const r = store.get(key(d));
    if (!r) out.set(d, { configDigest: null, platformDigest: null, note: `manifest not readable${unread.has(d) ? ` (${unread.get(d)})` : ""}` });
    else if (r.kind === "image") out.set(d, { configDigest: r.configDigest, platformDigest: null, note: null });
    else if (r.kind === "unreadable") out.set(d, { configDigest: null, platformDigest: null, note: r.reason });
    else {
      const child = r.linuxAmd64Digest ? store.get(key(r.linuxAmd64Digest)) : undefined;
      out.set(d, {
        configDigest: child?.kind === "image" ? child.configDigest : null,
        platformDigest: r.linuxAmd64Digest,
        note: r.linuxAmd64Digest ? (child?.kind === "image" ? "image index: linux/amd64" : "image index: linux/amd64 manifest not readable") : "image index without linux/amd64",
      });
    }
  }
  return out;
}

export interface ImagesView {
  facts: RepositoryFacts;
  latest: ImageSummary | null;
  /** Since when `latest` points where it does, and how Deckhand knows. */
  since: ReturnType<typeof latestSince>;
  page: ReturnType<typeof queryImages<ImageSummary>>;
  /** Config digests of the images shown (and of latest); empty when BatchGetImage failed. */
  configs: Map<string, ConfigDigestInfo>;
  configFailure: Failure | null;
  /** Deckhand's own record of which push job produced an image (the store, no AWS call). */
  pushedBy: Map<string, { jobId: string; sha: string }>;
  /** Platform images and attestation manifests of image indexes, shown inside their index. */
  nested: NestedImagesView;
  /** How many listed manifests are entries of an index rather than rows of their own. */
  insideIndexes: number;
  /** How many listed manifests are signatures, attestations or SBOMs shown with the image they refer to. */
  attached: number;
}


/** One repository's images for the page's query (tag or digest filter, untagged only, page). */
export async function readImages(ctx: RegistryContext, repositoryName: string, searchParams: Record<string, string | string[] | undefined>): Promise<{ query: ImageQuery; images: Part<ImagesView> }> {
  const query = parseImageQuery(searchParams);
  const listed = await images(ctx, repositoryName);
  if (!listed.ok) return { query, images: listed };
  // Platform images and attestation manifests of an image index are shown inside it, not as untagged images.
  const nested = await nestedImages(ctx, repositoryName, listed.data);
  const latest = findTaggedImage(nested.top);
  const page = queryImages(nested.top, query);
  let configs = new Map<string, ConfigDigestInfo>();
  let configFailure: Failure | null = null;
  try {
    // Only what is on screen (plus latest), batched, and kept for good.
    configs = await loadConfigDigests(ctx, repositoryName, [...new Set([...page.rows.map((i) => i.digest), ...(latest ? [latest.digest] : [])])]);
  } catch (err) {
    configFailure = describeFailure(err, "ecr", "BatchGetImage");
  }
  const topDigests = new Set(nested.top.map((i) => i.digest));
  const attached = new Set([...nested.referrers.values()].flat().map((r) => r.digest));
  return {
    query,
    images: {
      ...listed,
      data: {
        facts: summarizeImages(nested.top),
        latest,
        since: latestSince(latest),
        page,
        configs,
        configFailure,
        pushedBy: jobsThatPushed(ctx.db, repositoryName, page.rows.map((i) => i.digest)),
        nested,
        insideIndexes: listed.data.filter((i) => nested.parents.has(i.digest) && !topDigests.has(i.digest) && !attached.has(i.digest)).length,
        attached: attached.size,
      },
    },
  };
}
