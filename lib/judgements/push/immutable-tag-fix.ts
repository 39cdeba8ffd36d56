/**
 * What to tell someone whose push ECR refused with ImageTagAlreadyExistsException, from the repository's tag
 * mutability as DescribeRepositories reports it. ECR API reference, PutImageTagMutability / ImageTagMutabilityExclusionFilter:
 * IMMUTABLE locks every tag; IMMUTABLE_WITH_EXCLUSION locks the tags no exclusion filter matches; MUTABLE_WITH_EXCLUSION
 * locks only the tags a filter matches; filters are WILDCARD (`*` any run of characters), 1 to 5 of them. Pure.
 */

export interface ExclusionFilter {
  filterType: string;
  filter: string;
}

/** ECR's limit on imageTagMutabilityExclusionFilters (ECR API reference, PutImageTagMutability: "Maximum number of 5 items"). */
export const MAX_EXCLUSION_FILTERS = 5;

/** Whether a WILDCARD exclusion filter matches `tag`: `*` matches any run of characters (none included), the rest itself. */
export function matchesExclusionFilter(filter: string, tag: string): boolean {
  const re = new RegExp(`^${filter.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")).join(".*")}$`);
  return re.test(tag);
}

/**
 * One shell word, single-quoted (a `'` inside closed, escaped and reopened), so nothing in a repository name or filter
 * is expanded or split by the shell the operator pastes the command into. Repository names and filters come from ECR,
 * whose constraints we do not rely on here.
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The AWS CLI shorthand for filters, one quoted word each. */
function filtersArg(filters: readonly ExclusionFilter[]): string {
  return filters.map((f) => shellQuote(`filterType=${f.filterType},filter=${f.filter}`)).join(" ");
}

const cli = (repositoryName: string, mutability: string, filters: readonly ExclusionFilter[] = []) =>
  `aws ecr put-image-tag-mutability --repository-name ${shellQuote(repositoryName)} --image-tag-mutability ${shellQuote(mutability)}` +
  (filters.length ? ` --image-tag-mutability-exclusion-filters ${filtersArg(filters)}` : "");

const describeCli = (repositoryName: string) => `aws ecr describe-repositories --repository-names ${shellQuote(repositoryName)}`;

/**
 * The message for a tag ECR would not move. `mutability` / `filters`: the repository's setting read after the refusal
 * (null when it could not be read); `pushedAs`: the tags this push did put before the refusal.
 * Returns the PushImageError code and message: "latest-immutable" with the setting change that lets `latest` move
 * (keeping the filters the repository has), or "tag-immutable" for any other tag. A setting is named as the cause
 * only when it explains the refusal (IMMUTABLE; IMMUTABLE_WITH_EXCLUSION with no filter matching the tag;
 * MUTABLE_WITH_EXCLUSION with one matching it). One read that lets the tag move (MUTABLE, an exclusion that now matches,
 * filters that do not match) was likely changed since the refusal: the message says so and to retry, and proposes no
 * command, which would change nothing or lock other tags. A setting not read, or not known, gets the generic fix.
 */
export function describeImmutableTag({
  repositoryName,
  tag,
  mutability,
  filters,
  pushedAs,
}: {
  repositoryName: string;
  tag: string;
  mutability: string | null;
  filters: readonly ExclusionFilter[];
  pushedAs: readonly string[];
}): { code: "latest-immutable" | "tag-immutable"; message: string } {
  const matching = filters.filter((f) => matchesExclusionFilter(f.filter, tag));
  const names = (fs: readonly ExclusionFilter[]) => fs.map((f) => `"${f.filter}"`).join(", ");
  const setting =
    mutability === "IMMUTABLE_WITH_EXCLUSION" && matching.length === 0
      ? `IMMUTABLE_WITH_EXCLUSION and no exclusion filter (${filters.map((f) => f.filter).join(", ") || "none"}) matches "${tag}"`
      : mutability === "MUTABLE_WITH_EXCLUSION" && matching.length > 0
        ? `MUTABLE_WITH_EXCLUSION and its exclusion filter${matching.length === 1 ? "" : "s"} ${names(matching)} make "${tag}" immutable`
        : mutability === "IMMUTABLE"
          ? "IMMUTABLE"
          : null;
  // A known setting that lets the tag move, as read after the refusal.
  const allows =
    setting !== null
      ? null
      : mutability === "MUTABLE"
        ? "MUTABLE"
        : mutability === "IMMUTABLE_WITH_EXCLUSION"
          ? `IMMUTABLE_WITH_EXCLUSION with the exclusion filter${matching.length === 1 ? "" : "s"} ${names(matching)} matching "${tag}"`
          : mutability === "MUTABLE_WITH_EXCLUSION"
            ? `MUTABLE_WITH_EXCLUSION with ${filters.length ? `no exclusion filter (${filters.map((f) => f.filter).join(", ")}) matching "${tag}"` : "no exclusion filter"}`
            : null;
  const head = setting
    ? `ECR repository ${repositoryName} is ${setting}: tag "${tag}" already points to another image and cannot be moved`
    : `ECR refused to move tag "${tag}" of repository ${repositoryName}: its tags are immutable (ImageTagAlreadyExistsException)` +
      (allows ? `, but its setting read after the refusal, ${allows}, lets "${tag}" move: it does not explain the refusal (it may have been changed since)` : mutability ? `, although it reads as ${mutability} now` : "");
  const pushed = pushedAs.length ? ` (the image was pushed as ${pushedAs.map((t) => `${repositoryName}:${t}`).join(", ")})` : "";
  if (tag !== "latest") {
    return {
      code: "tag-immutable",
      message: `${head}${pushed}. The same commit built to a different image: check that the build is reproducible (base images pinned by digest).`,
    };
  }
  let fix: string;
  if (allows) {
    fix = `Retry the push. If ECR refuses again, ${describeCli(repositoryName)} shows the setting it has then.`;
  } else if (mutability === "MUTABLE_WITH_EXCLUSION") {
    const rest = filters.filter((f) => !matching.includes(f));
    fix = rest.length
      ? `Fix: drop the filter${matching.length === 1 ? "" : "s"} that match "latest" (${cli(repositoryName, "MUTABLE_WITH_EXCLUSION", rest)}) or make the repository MUTABLE (--image-tag-mutability MUTABLE).`
      : `Fix: make the repository MUTABLE (${cli(repositoryName, "MUTABLE")}): without the filter${matching.length === 1 ? "" : "s"} that match "latest" it has none left.`;
  } else if (mutability === "IMMUTABLE_WITH_EXCLUSION" && filters.length >= MAX_EXCLUSION_FILTERS) {
    fix = `Fix: the repository already has the ${MAX_EXCLUSION_FILTERS} exclusion filters ECR allows; replace one with filterType=WILDCARD,filter=latest (or one that matches "latest") with aws ecr put-image-tag-mutability, or make the repository MUTABLE (--image-tag-mutability MUTABLE).`;
  } else if (mutability === "IMMUTABLE_WITH_EXCLUSION") {
    fix = `Fix: add "latest" to the exclusion filters, keeping the ones it has (${cli(repositoryName, "IMMUTABLE_WITH_EXCLUSION", [...filters, { filterType: "WILDCARD", filter: "latest" }])}) or make the repository MUTABLE (--image-tag-mutability MUTABLE).`;
  } else {
    fix =
      `Fix: exclude "latest" from tag immutability (${cli(repositoryName, "IMMUTABLE_WITH_EXCLUSION", [{ filterType: "WILDCARD", filter: "latest" }])}) or make the repository MUTABLE (--image-tag-mutability MUTABLE)` +
      (setting ? "." : `; ${describeCli(repositoryName)} shows its setting.`);
  }
  return { code: "latest-immutable", message: `${head}${pushed}. ${fix}` };
}
