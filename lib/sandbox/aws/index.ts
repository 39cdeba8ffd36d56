import fs from "node:fs";
import type { AdminHooks } from "../admin";
import type { SandboxContext, SandboxModule } from "../context";
import { looksSigV4 } from "./sigv4";
import { handleAwsApi } from "./dispatch";
import { IAM_TABLES, migrateIam } from "./iam-store";
import { CLOUDTRAIL_TABLES, migrateCloudTrail } from "./cloudtrail-store";
import { ECR_TABLES, migrateEcr, awsFilesDir } from "./ecr-store";
import { handleRegistry, isRegistryRequest } from "./ecr-registry";
import { ECR_ACCOUNT_SETTING_TABLES, migrateEcrAccountSettings } from "./registry-account-settings";
import { IAM_ROLE_TABLES, migrateIamRoles } from "./iam-roles-store";
import { handleUnsignedSts, isUnsignedStsRequest } from "./sts-web-identity";
import { seedAws } from "./seed";
import { AWS_AGED_TABLES } from "./age";
import { contributeAdmin } from "./admin-routes";

/** AWS half of the sandbox: IAM, STS, ECR and CloudTrail on one port, told apart by the SigV4 scope. */
export const awsModule: SandboxModule & { admin(hooks: AdminHooks): void } = {
  name: "aws",
  migrate(db) {
    migrateIam(db);
    migrateIamRoles(db);
    migrateEcr(db);
    migrateEcrAccountSettings(db);
    migrateCloudTrail(db);
  },
  wipe(ctx: SandboxContext) {
    for (const t of [...IAM_TABLES, ...IAM_ROLE_TABLES, ...ECR_TABLES, ...ECR_ACCOUNT_SETTING_TABLES, ...CLOUDTRAIL_TABLES]) ctx.db.exec(`DROP TABLE IF EXISTS ${t}`);
    fs.rmSync(awsFilesDir(ctx), { recursive: true, force: true });
  },
  seed: seedAws,
  agedTables: AWS_AGED_TABLES,
  async handle(req, res, ctx, url) {
    if (isRegistryRequest(url)) {
      await handleRegistry(req, res, ctx, url);
      return true;
    }
    if (looksSigV4(req, url)) {
      await handleAwsApi(req, res, ctx, url);
      return true;
    }
    if (isUnsignedStsRequest(req, url)) {
      await handleUnsignedSts(req, res, ctx, url);
      return true;
    }
    return false;
  },
  admin: contributeAdmin,
};

