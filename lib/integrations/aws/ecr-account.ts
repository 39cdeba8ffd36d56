import type { AwsClients } from "../clients/aws-clients";
import { getCallerIdentity } from "./sts";

const accounts = new WeakMap<object, Promise<string>>();

/**
 * The 12-digit account id of a client set's credentials (STS GetCallerIdentity, which needs no IAM permission:
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), asked once per client set; a failure
 * is not kept, the next call asks again. The key of ECR repository owners (issue 16) with the clients' region.
 */
export function ecrAccount(aws: Pick<AwsClients, "sts">): Promise<string> {
  let p = accounts.get(aws);
  if (!p) {
    p = getCallerIdentity({ sts: aws.sts }).then((id) => id.account);
    p.catch(() => accounts.delete(aws));
    accounts.set(aws, p);
  }
  return p;
}
