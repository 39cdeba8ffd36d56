// IAM writes the guided setup needs that lib/integrations/aws does not have yet. GetUser (with NoSuchEntity → null)
// lives in ./iam; key writes in ./iam-keys.

import { CreateUserCommand, type IAMClient } from "@aws-sdk/client-iam";
import { getUser, type IamUser } from "./iam";

/**
 * CreateUser, idempotent: a user that already exists (EntityAlreadyExists, e.g. a retry after a lost
 * response or a resume after a crash) is read back instead of failing the step.
 */
export async function createUser({ iam, userName }: { iam: IAMClient; userName: string }): Promise<{ user: IamUser; created: boolean }> {
  try {
    const r = await iam.send(new CreateUserCommand({ UserName: userName }));
    return { user: { userName: r.User?.UserName ?? userName, arn: r.User?.Arn ?? "", createDate: r.User?.CreateDate?.toISOString() ?? "" }, created: true };
  } catch (err) {
    if (!/^EntityAlreadyExists(Exception)?$/.test((err as { name?: string }).name ?? "")) throw err;
    const user = await getUser({ iam, userName });
    if (!user) throw err;
    return { user, created: false };
  }
}
