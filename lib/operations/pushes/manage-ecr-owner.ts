import { SafeError } from "../../errors";
import { callFailed } from "../../failures";
import { ecrAccount } from "../../integrations/aws/ecr-account";
import type { OperationContext } from "../context";
import { checkEcrRepositoryName } from "../../judgements/push/ecr-repository-name";
import { assignEcrOwner, releaseEcrOwner, type EcrOwner, type EcrRepositoryKey } from "./ecr-owners-store";

async function keyOf(ctx: Pick<OperationContext, "clients">, ecrRepository: string): Promise<EcrRepositoryKey> {
  const invalid = checkEcrRepositoryName(ecrRepository);
  if (invalid) throw new SafeError(invalid, "invalid-input");
  try {
    return { account: await ecrAccount(ctx.clients.aws), region: ctx.clients.aws.region, ecrRepository };
  } catch (err) {
    throw callFailed(err, "sts", "GetCallerIdentity");
  }
}

/**
 * An operator gives an ECR repository to a served repository (issue 16): from now on only that repository's services
 * push into it, whoever owned it before (a discovered repository included: the operator vouches for it). `ctx.repository`
 * is the new owner, checked to be served by defineAction (`repository: true`). Returns the previous owner (null: none).
 * Throws SafeError invalid-input for a name ECR would refuse, callFailed for STS.
 */
export async function reassignEcrOwner(ctx: OperationContext, input: { ecrRepository: string }): Promise<{ previous: EcrOwner | null; owner: string }> {
  const owner = ctx.repository?.repository ?? ctx.config.github.repository;
  const key = await keyOf(ctx, input.ecrRepository);
  const previous = assignEcrOwner(ctx.db, key, owner, ctx.actor.login);
  return { previous, owner };
}

/**
 * An operator releases an ECR repository: nobody owns it, and the next push decides again (decideEcrOwner: a named
 * repository claims an existing one, a discovered one does not). Throws SafeError not-found when nobody owned it.
 */
export async function releaseEcrRepositoryOwner(ctx: OperationContext, input: { ecrRepository: string }): Promise<{ previous: EcrOwner }> {
  const key = await keyOf(ctx, input.ecrRepository);
  const previous = releaseEcrOwner(ctx.db, key);
  if (!previous) throw new SafeError(`Nobody owns ECR repository ${input.ecrRepository}: nothing to release`, "not-found");
  return { previous };
}
