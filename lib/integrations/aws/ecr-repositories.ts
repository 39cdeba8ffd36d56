// Where the ECR repositories are and whether they hold images, for the region checks, the scoped-resource
// rewrite and the guided setup's first push. Built on lib/integrations/aws/ecr, the one ECR module.

import type { ECRClient } from "@aws-sdk/client-ecr";
import { describeImageByTag, holdsAnyImage, listRepositories } from "./ecr";
import { mapLimit } from "../../infra/map-limit";
import type { EcrRepositoryInfo } from "../../judgements/posture/types";

/**
 * Every repository in the client's region, and whether it holds images. A summary, not an inventory: one
 * small DescribeImages per repository (the `latest` tag: its push time is the newest push of the guide's
 * workflow and of Deckhand), and only when there is no `latest`, one image of any tag. Listing every image
 * (hundreds of pages at 100,000 images) is the Registry page's job, not the posture's.
 */
export async function describeAllRepositories({ ecr, concurrency = 8 }: { ecr: ECRClient; concurrency?: number }): Promise<EcrRepositoryInfo[]> {
  const repos = await listRepositories({ ecr });
  return mapLimit(repos, concurrency, async (r): Promise<EcrRepositoryInfo> => {
    const latest = await describeImageByTag({ ecr, repositoryName: r.name, tag: "latest" });
    if (latest) return { name: r.name, uri: r.uri, hasImages: true, latestPushedAt: latest.pushedAt };
    return { name: r.name, uri: r.uri, hasImages: await holdsAnyImage({ ecr, repositoryName: r.name }), latestPushedAt: null };
  });
}
