import type { AwsCall } from "./call";
import { invalidParameter, param } from "./ecr-common";
import type { EcrRepo } from "./ecr-store";

/** ECR API reference, CreateRepository / PutImageTagMutability `imageTagMutability` valid values. */
export const TAG_MUTABILITIES = ["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"] as const;
export type TagMutability = (typeof TAG_MUTABILITIES)[number];

/** ECR API reference, ImageTagMutabilityExclusionFilter. */
export interface TagMutabilityExclusionFilter {
  filterType: "WILDCARD";
  filter: string;
}

const FILTER_RE = /^[0-9a-zA-Z._*-]{1,128}$/;

/**
 * Reads and validates `imageTagMutability` and `imageTagMutabilityExclusionFilters` of a CreateRepository or
 * PutImageTagMutability call, as the ECR API reference constrains them: the four mutability values; 1 to 5 filters of
 * type WILDCARD whose filter matches `^[0-9a-zA-Z._*-]{1,128}$`. Filters go with the `_WITH_EXCLUSION` settings only
 * (required there, refused otherwise: the reference does not give AWS's message for these two, so the wording is
 * the sandbox's).
 * @throws AwsError InvalidParameterException
 */
export function readTagMutability(call: AwsCall, fallback: TagMutability | undefined): { mutability: TagMutability; filters: TagMutabilityExclusionFilter[] | null } {
  const raw = param<string>(call, "imageTagMutability") ?? fallback;
  if (raw === undefined || raw === null || raw === "") {
    throw invalidParameter("Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must not be null'");
  }
  if (!(TAG_MUTABILITIES as readonly string[]).includes(raw)) {
    throw invalidParameter(`Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [${TAG_MUTABILITIES.join(", ")}]'`);
  }
  const mutability = raw as TagMutability;
  const given = param<unknown>(call, "imageTagMutabilityExclusionFilters");
  const withExclusion = mutability.endsWith("_WITH_EXCLUSION");
  if (given === undefined || given === null) {
    if (withExclusion) throw invalidParameter(`Invalid parameter at 'imageTagMutabilityExclusionFilters': exclusion filters are required when imageTagMutability is ${mutability}`);
    return { mutability, filters: null };
  }
  if (!Array.isArray(given)) throw invalidParameter("Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'Member must be a list'");
  if (given.length < 1 || given.length > 5) {
    throw invalidParameter(
      `Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'Member must have length ${given.length < 1 ? "greater than or equal to 1" : "less than or equal to 5"}'`,
    );
  }
  if (!withExclusion) {
    throw invalidParameter(`Invalid parameter at 'imageTagMutabilityExclusionFilters': exclusion filters can only be set with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not ${mutability}`);
  }
  const filters = given.map((f, i): TagMutabilityExclusionFilter => {
    const { filterType, filter } = (f ?? {}) as Partial<TagMutabilityExclusionFilter>;
    if (filterType !== "WILDCARD") {
      throw invalidParameter(`Invalid parameter at 'imageTagMutabilityExclusionFilters.${i + 1}.member.filterType' failed to satisfy constraint: 'Member must satisfy enum value set: [WILDCARD]'`);
    }
    if (typeof filter !== "string" || !FILTER_RE.test(filter)) {
      throw invalidParameter(
        `Invalid parameter at 'imageTagMutabilityExclusionFilters.${i + 1}.member.filter' failed to satisfy constraint: 'Member must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$'`,
      );
    }
    return { filterType, filter };
  });
  return { mutability, filters };
}

/** A WILDCARD filter: `*` matches any run of characters (none included); everything else matches itself. */
export function matchesExclusionFilter(filter: string, tag: string): boolean {
  const re = new RegExp(`^${filter.split("*").map((s) => s.replace(/[.\\-]/g, "\\$&")).join(".*")}$`);
  return re.test(tag);
}

/**
 * Whether PutImage may not move `tag` in `repo` once it exists: IMMUTABLE → every tag; IMMUTABLE_WITH_EXCLUSION →
 * every tag no filter matches; MUTABLE_WITH_EXCLUSION → only tags a filter matches; MUTABLE → none.
 */
export function isTagImmutable(repo: EcrRepo, tag: string): boolean {
  const filters = parseFilters(repo.tag_mutability_exclusion_filters);
  const excluded = filters.some((f) => matchesExclusionFilter(f.filter, tag));
  switch (repo.tag_mutability) {
    case "IMMUTABLE":
      return true;
    case "IMMUTABLE_WITH_EXCLUSION":
      return !excluded;
    case "MUTABLE_WITH_EXCLUSION":
      return excluded;
    default:
      return false;
  }
}

export function parseFilters(json: string | null | undefined): TagMutabilityExclusionFilter[] {
  return json ? (JSON.parse(json) as TagMutabilityExclusionFilter[]) : [];
}
