import { describe, expect, it } from "vitest";
import { describeImmutableTag, matchesExclusionFilter, shellQuote } from "./immutable-tag-fix";

const w = (filter: string) => ({ filterType: "WILDCARD", filter });
const base = { repositoryName: "web", tag: "latest", pushedAs: ["abc1234"] };

describe("describeImmutableTag (ECR API reference: PutImageTagMutability, ImageTagMutabilityExclusionFilter)", () => {
  it("WILDCARD filters: * is any run of characters, everything else itself", () => {
    expect(matchesExclusionFilter("latest", "latest")).toBe(true);
    expect(matchesExclusionFilter("release-*", "release-1.2")).toBe(true);
    expect(matchesExclusionFilter("release-*", "release")).toBe(false);
    expect(matchesExclusionFilter("v*.*", "v1x2")).toBe(false);
    expect(matchesExclusionFilter("*", "latest")).toBe(true);
    expect(matchesExclusionFilter("l*t", "latest")).toBe(true);
  });

  it("IMMUTABLE: exclude latest with IMMUTABLE_WITH_EXCLUSION (field case ecr-immutable-latest) or go MUTABLE", () => {
    const r = describeImmutableTag({ ...base, mutability: "IMMUTABLE", filters: [] });
    expect(r.code).toBe("latest-immutable");
    expect(r.message).toBe(
      'ECR repository web is IMMUTABLE: tag "latest" already points to another image and cannot be moved (the image was pushed as web:abc1234). ' +
        `Fix: exclude "latest" from tag immutability (aws ecr put-image-tag-mutability --repository-name 'web' --image-tag-mutability 'IMMUTABLE_WITH_EXCLUSION' --image-tag-mutability-exclusion-filters 'filterType=WILDCARD,filter=latest') or make the repository MUTABLE (--image-tag-mutability MUTABLE).`,
    );
  });

  it("IMMUTABLE_WITH_EXCLUSION whose filters miss latest: the command keeps the filters it has (PutImageTagMutability replaces them all)", () => {
    const r = describeImmutableTag({ ...base, mutability: "IMMUTABLE_WITH_EXCLUSION", filters: [w("release-*"), w("dev")] });
    expect(r.message).toContain('is IMMUTABLE_WITH_EXCLUSION and no exclusion filter (release-*, dev) matches "latest"');
    expect(r.message).toContain("--image-tag-mutability 'IMMUTABLE_WITH_EXCLUSION' --image-tag-mutability-exclusion-filters 'filterType=WILDCARD,filter=release-*' 'filterType=WILDCARD,filter=dev' 'filterType=WILDCARD,filter=latest')");
    // Five filters is ECR's maximum: adding a sixth would be refused.
    const full = describeImmutableTag({ ...base, mutability: "IMMUTABLE_WITH_EXCLUSION", filters: ["a", "b", "c", "d", "e"].map(w) });
    expect(full.message).toMatch(/already has the 5 exclusion filters ECR allows; replace one/);
    expect(full.message).not.toMatch(/filter=a' 'filterType/);
  });

  it("MUTABLE_WITH_EXCLUSION: the filters that match latest are what lock it; drop them (not IMMUTABLE_WITH_EXCLUSION, which would lock every other tag)", () => {
    const r = describeImmutableTag({ ...base, mutability: "MUTABLE_WITH_EXCLUSION", filters: [w("v*"), w("l*")] });
    expect(r.message).toContain('is MUTABLE_WITH_EXCLUSION and its exclusion filter "l*" make "latest" immutable');
    expect(r.message).toContain("--image-tag-mutability 'MUTABLE_WITH_EXCLUSION' --image-tag-mutability-exclusion-filters 'filterType=WILDCARD,filter=v*')");
    expect(r.message).not.toContain("IMMUTABLE_WITH_EXCLUSION");
    const only = describeImmutableTag({ ...base, mutability: "MUTABLE_WITH_EXCLUSION", filters: [w("*")] });
    expect(only.message).toContain("Fix: make the repository MUTABLE (aws ecr put-image-tag-mutability --repository-name 'web' --image-tag-mutability 'MUTABLE')");
  });

  it("a setting it could not read, or does not know, is not claimed", () => {
    const r = describeImmutableTag({ ...base, mutability: null, filters: [], pushedAs: [] });
    expect(r.message).toMatch(/^ECR refused to move tag "latest" of repository web: its tags are immutable \(ImageTagAlreadyExistsException\)\. Fix: .*describe-repositories --repository-names 'web'/);
    expect(r.message).not.toMatch(/is IMMUTABLE/);
    const unknown = describeImmutableTag({ ...base, mutability: "SOMETHING_NEW", filters: [] });
    expect(unknown.message).toContain("although it reads as SOMETHING_NEW now");
    expect(unknown.message).toContain("describe-repositories --repository-names 'web' shows its setting");
  });

  it("a setting read after the refusal that lets latest move does not explain it: says so, proposes no command that changes nothing, and says to retry", () => {
    const cases = [
      // Someone excluded latest meanwhile.
      { mutability: "IMMUTABLE_WITH_EXCLUSION", filters: [w("latest")], says: 'IMMUTABLE_WITH_EXCLUSION with the exclusion filter "latest" matching "latest"' },
      // Its filter does not match latest, so latest is mutable.
      { mutability: "MUTABLE_WITH_EXCLUSION", filters: [w("v*")], says: 'MUTABLE_WITH_EXCLUSION with no exclusion filter (v*) matching "latest"' },
      { mutability: "MUTABLE_WITH_EXCLUSION", filters: [], says: "MUTABLE_WITH_EXCLUSION with no exclusion filter" },
      { mutability: "MUTABLE", filters: [], says: "MUTABLE" },
    ];
    for (const c of cases) {
      const r = describeImmutableTag({ ...base, mutability: c.mutability, filters: c.filters });
      expect(r.code).toBe("latest-immutable");
      expect(r.message).toBe(
        `ECR refused to move tag "latest" of repository web: its tags are immutable (ImageTagAlreadyExistsException), but its setting read after the refusal, ${c.says}, lets "latest" move: ` +
          "it does not explain the refusal (it may have been changed since) (the image was pushed as web:abc1234). " +
          "Retry the push. If ECR refuses again, aws ecr describe-repositories --repository-names 'web' shows the setting it has then.",
      );
      expect(r.message).not.toContain("put-image-tag-mutability");
      expect(r.message).not.toMatch(/no exclusion filter \(latest\) matches/);
    }
    // Another tag: the same, then the reproducibility hint.
    const other = describeImmutableTag({ ...base, tag: "abc1234", pushedAs: [], mutability: "MUTABLE_WITH_EXCLUSION", filters: [w("v*")] });
    expect(other.message).toMatch(/^ECR refused to move tag "abc1234".*does not explain the refusal.*reproducible/);
  });

  it("single-quotes every argument of the command it proposes, a quote inside included", () => {
    const r = describeImmutableTag({ ...base, repositoryName: "team/web$(id)", mutability: "IMMUTABLE_WITH_EXCLUSION", filters: [w("it's")] });
    expect(r.message).toContain(
      "aws ecr put-image-tag-mutability --repository-name 'team/web$(id)' --image-tag-mutability 'IMMUTABLE_WITH_EXCLUSION' --image-tag-mutability-exclusion-filters 'filterType=WILDCARD,filter=it'\\''s' 'filterType=WILDCARD,filter=latest'",
    );
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
  });

  it("another tag: names the filter that locks it, and says the same commit built differently", () => {
    const r = describeImmutableTag({ ...base, tag: "abc1234", pushedAs: [], mutability: "MUTABLE_WITH_EXCLUSION", filters: [w("*")] });
    expect(r.code).toBe("tag-immutable");
    expect(r.message).toMatch(/its exclusion filter "\*" make "abc1234" immutable.*reproducible/);
  });
});
