// Tests of several push users (issue 16) against the sandbox: a second IAM push user with the guide's policy and one
// access key, its key written into a GitHub holder, all over the sandbox's real AWS and GitHub APIs (no seeding
// behind Deckhand's back), so a test or an e2e run can configure `owner/name:<user>` and find the world it describes.

import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import type { Clients } from "../../integrations/clients";
import type { GitHubRepoRef } from "../../integrations/clients/github-client";
import { writeAccessKeyToHolder, type SecretHolder } from "../../integrations/github/write-secret";
import { GUIDE_PUSH_POLICY } from "../../judgements/posture/ecr-actions";

/**
 * Create IAM user `userName` (the guide's inline policy `policyName`, one access key) and write that key into
 * `holder` as seen from `repo` (an organization holder: the organization secret keeps its visibility and selected
 * repositories). Returns the key id. Throws what AWS or GitHub answered (e.g. EntityAlreadyExists).
 */
export async function createSecondPushUser(
  clients: Pick<Clients, "aws" | "github">,
  input: { userName: string; policyName?: string; repo: GitHubRepoRef; holder: SecretHolder },
): Promise<{ accessKeyId: string }> {
  const { iam } = clients.aws;
  await iam.send(new CreateUserCommand({ UserName: input.userName }));
  await iam.send(new PutUserPolicyCommand({ UserName: input.userName, PolicyName: input.policyName ?? "ecr-push-policy", PolicyDocument: JSON.stringify(GUIDE_PUSH_POLICY) }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: input.userName }));
  const key = created.AccessKey!;
  await writeAccessKeyToHolder({ github: clients.github, repo: input.repo, holder: input.holder, accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
  return { accessKeyId: key.AccessKeyId! };
}
