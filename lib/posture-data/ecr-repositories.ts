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

/** Every repository in the client's region with its image count and newest push (DescribeImages, all pages). */
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
  return mapLimited(repos, concurrency, async (r) => {
    let imageCount = 0;
    let latest: number | null = null;
    let token: string | undefined;
    do {
      const page = await ecr.send(new DescribeImagesCommand({ repositoryName: r.name, maxResults: 1000, nextToken: token }));
      for (const img of page.imageDetails ?? []) {
        imageCount++;
        const at = img.imagePushedAt?.getTime() ?? null;
        if (at !== null && (latest === null || at > latest)) latest = at;
      }
      token = page.nextToken;
    } while (token);
    return { name: r.name, uri: r.uri, imageCount, latestPushedAt: latest === null ? null : new Date(latest).toISOString() };
  });
}
