// Where the ECR repositories are, for the region checks and the scoped-resource rewrite. A small read of
// its own so the posture does not depend on the registry pages' modules.

import { paginateDescribeRepositories, type ECRClient } from "@aws-sdk/client-ecr";

export interface RepositorySummary {
  name: string;
  arn: string;
  uri: string;
}

export async function describeAllRepositories({ ecr }: { ecr: ECRClient }): Promise<RepositorySummary[]> {
  const out: RepositorySummary[] = [];
  for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: 100 }, {})) {
    for (const r of page.repositories ?? []) out.push({ name: r.repositoryName ?? "", arn: r.repositoryArn ?? "", uri: r.repositoryUri ?? "" });
  }
  return out;
}
