// Where the ECR repositories are and whether they hold images, for the region checks and the scoped-resource
// rewrite. A small read of its own so the posture does not depend on the registry pages' modules.

import { DescribeImagesCommand, DescribeRepositoriesCommand, type ECRClient } from "@aws-sdk/client-ecr";
import type { EcrRepositoryInfo } from "../posture/types";

/** Run `fn` over `items` with at most `limit` in flight: one region's repositories can number hundreds. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Every repository in the client's region, and whether it holds images. A summary, not an inventory: one
 * small DescribeImages per repository (the `latest` tag: its push time is the newest push of the guide's
 * workflow and of Deckhand), and only when there is no `latest`, one image of any tag. Listing every image
 * (hundreds of pages at 100,000 images) is the Registry page's job, not the posture's.
 */
export async function describeAllRepositories({ ecr, concurrency = 8 }: { ecr: ECRClient; concurrency?: number }): Promise<EcrRepositoryInfo[]> {
  // nextToken paging written out: the SDK's paginators check `instanceof ECRClient`, which fails when the
  // app's bundler gives the client's class another identity.
  const repos: { name: string; uri: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 1000, nextToken }));
    for (const r of page.repositories ?? []) repos.push({ name: r.repositoryName ?? "", uri: r.repositoryUri ?? "" });
    nextToken = page.nextToken;
  } while (nextToken);
  return mapLimited(repos, concurrency, async (r): Promise<EcrRepositoryInfo> => {
    try {
      const out = await ecr.send(new DescribeImagesCommand({ repositoryName: r.name, imageIds: [{ imageTag: "latest" }] }));
      const pushed = out.imageDetails?.[0]?.imagePushedAt;
      return { name: r.name, uri: r.uri, hasImages: true, latestPushedAt: pushed ? pushed.toISOString() : null };
    } catch (err) {
      if ((err as { name?: string }).name !== "ImageNotFoundException") throw err;
    }
    const any = await ecr.send(new DescribeImagesCommand({ repositoryName: r.name, maxResults: 1 }));
    return { name: r.name, uri: r.uri, hasImages: (any.imageDetails ?? []).length > 0, latestPushedAt: null };
  });
}
