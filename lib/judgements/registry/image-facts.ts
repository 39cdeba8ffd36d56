/**
 * Facts about a repository's images as DescribeImages lists them: which image a tag points to, how
 * many images are untagged, when the newest push was. Pure over plain data.
 */

export interface ImageLike {
  digest: string;
  tags: string[];
  pushedAt: string | null;
  /** DescribeImages `subjectManifestDigest`: set for referrers (OCI 1.1 `subject`), absent where the API has no such field. */
  subjectDigest?: string | null;
  /** DescribeImages `artifactMediaType`. */
  artifactMediaType?: string | null;
}

export interface RepositoryFacts {
  imageCount: number;
  untaggedCount: number;
  latestPushedAt: string | null;
  /** Digest of the image tagged `latest`, or null when no image carries it. */
  latestDigest: string | null;
}

const time = (s: string | null) => (s ? Date.parse(s) : Number.NaN);

/** The image a tag points to. Tags are unique within a repository, but be safe with bad data: newest wins. */
export function findTaggedImage<T extends ImageLike>(images: readonly T[], tag = "latest"): T | null {
  let best: T | null = null;
  for (const img of images) {
    if (!img.tags.includes(tag)) continue;
    if (!best || time(img.pushedAt) > time(best.pushedAt)) best = img;
  }
  return best;
}

export function summarizeImages(images: readonly ImageLike[]): RepositoryFacts {
  let untagged = 0;
  let newest = Number.NEGATIVE_INFINITY;
  let newestAt: string | null = null;
  for (const img of images) {
    if (img.tags.length === 0) untagged++;
    const t = time(img.pushedAt);
    if (!Number.isNaN(t) && t > newest) {
      newest = t;
      newestAt = img.pushedAt;
    }
  }
  return { imageCount: images.length, untaggedCount: untagged, latestPushedAt: newestAt, latestDigest: findTaggedImage(images)?.digest ?? null };
}

/**
 * Since when `latest` has pointed at its image. ECR does not record when a tag moved; the workflow and
 * Deckhand push the SHA tag and `latest` together, so the image's push time is the answer unless a
 * recorded move (a Deckhand push job) says otherwise. `recordedMoves` are ISO times `latest` was set
 * to this digest.
 */
export function latestSince(image: ImageLike | null, recordedMoves: readonly string[] = []): { at: string | null; source: "push-time" | "recorded-move" } {
  const moves = recordedMoves.filter((m) => !Number.isNaN(Date.parse(m))).sort();
  if (moves.length) return { at: moves[moves.length - 1], source: "recorded-move" };
  return { at: image?.pushedAt ?? null, source: "push-time" };
}
