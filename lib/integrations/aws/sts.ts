import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/** Who Deckhand's own credentials are: the account id is what repository ARNs need. */
export async function getCallerIdentity({ sts }: { sts: STSClient }): Promise<CallerIdentity> {
  const r = await sts.send(new GetCallerIdentityCommand({}));
  return { account: r.Account ?? "", arn: r.Arn ?? "", userId: r.UserId ?? "" };
}
