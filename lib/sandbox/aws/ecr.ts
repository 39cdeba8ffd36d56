import type { AwsCall, OperationHandler } from "./call";
import { authorize } from "./call";
import { ACCOUNT_ID, AwsError } from "./errors";
import {
  authorizedRepo, checkRepositoryName, decodeToken, encodeToken, hmacHex, invalidParameter, maxResultsOf, param, repositoryNotFound, repositoryShape, requireParam, urlSecret,
} from "./ecr-common";
import { findRepo, insertRepo, repoArn, type EcrRepo } from "./ecr-store";
import { imageOperations } from "./ecr-images";
import { layerOperations } from "./ecr-layers";
import { readTagMutability } from "./ecr-tag-mutability";
import { accountSettingOperations } from "./registry-account-settings";

const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;

/** An ECR authorization token: "AWS:<password>", where the password is bound to the key and expiry. */
export function issueAuthorizationToken(call: AwsCall, expiresMs: number): string {
  const payload = Buffer.from(JSON.stringify({ k: call.principal.accessKeyId, r: call.region, e: expiresMs })).toString("base64url");
  const password = `${payload}.${hmacHex(urlSecret(call.ctx.db), payload)}`;
  return Buffer.from(`AWS:${password}`).toString("base64");
}

const repoOperations: Record<string, OperationHandler> = {
  CreateRepository(call) {
    const name = requireParam<string>(call, "repositoryName");
    checkRepositoryName(name);
    const arn = repoArn(call.region, name);
    authorize(call, "ecr:CreateRepository", arn);
    call.resources.push({ type: "AWS::ECR::Repository", name, arn });
    const { mutability, filters } = readTagMutability(call, "MUTABLE");
    if (findRepo(call.ctx.db, call.region, name))
      throw new AwsError("RepositoryAlreadyExistsException", `The repository with name '${name}' already exists in the registry with id '${ACCOUNT_ID}'`, 400);
    const repo: EcrRepo = {
      region: call.region,
      name,
      created_ms: call.now.getTime(),
      tag_mutability: mutability,
      tag_mutability_exclusion_filters: filters ? JSON.stringify(filters) : null,
      scan_on_push: param<{ scanOnPush?: boolean }>(call, "imageScanningConfiguration")?.scanOnPush ? 1 : 0,
      encryption_type: param<{ encryptionType?: string }>(call, "encryptionConfiguration")?.encryptionType ?? "AES256",
    };
    insertRepo(call.ctx.db, repo);
    return { repository: repositoryShape(repo) };
  },

  DescribeRepositories(call) {
    const names = param<string[]>(call, "repositoryNames");
    const db = call.ctx.db;
    if (names && names.length) {
      if (call.params.maxResults !== undefined || call.params.nextToken !== undefined)
        throw invalidParameter("Invalid parameter at 'maxResults' failed to satisfy constraint: 'maxResults and nextToken cannot be used with repositoryNames'");
      const repos = names.map((n) => {
        checkRepositoryName(n);
        authorize(call, "ecr:DescribeRepositories", repoArn(call.region, n));
        const r = findRepo(db, call.region, n);
        if (!r) throw repositoryNotFound(n, param<string>(call, "registryId") ?? ACCOUNT_ID);
        return r;
      });
      return { repositories: repos.map(repositoryShape) };
    }
    authorize(call, "ecr:DescribeRepositories", repoArn(call.region, "*"));
    const max = maxResultsOf(call, 100);
    const after = decodeToken<string>(call.params.nextToken, `repos:${call.region}`) ?? "";
    const rows = db.prepare(`SELECT * FROM aws_ecr_repos WHERE region = ? AND name > ? ORDER BY name LIMIT ?`).all(call.region, after, max + 1) as EcrRepo[];
    const page = rows.slice(0, max);
    return { repositories: page.map(repositoryShape), nextToken: rows.length > max ? encodeToken(`repos:${call.region}`, page[page.length - 1].name) : undefined };
  },

  DeleteRepository(call) {
    const repo = authorizedRepo(call, "ecr:DeleteRepository");
    const db = call.ctx.db;
    const count = (db.prepare(`SELECT COUNT(*) AS n FROM aws_ecr_images WHERE region = ? AND repo = ?`).get(repo.region, repo.name) as { n: number }).n;
    if (count > 0 && param<boolean>(call, "force") !== true)
      throw new AwsError("RepositoryNotEmptyException", `The repository with name '${repo.name}' in registry with id '${ACCOUNT_ID}' cannot be deleted because it still contains images`, 400);
    db.transaction(() => {
      for (const t of ["aws_ecr_tags", "aws_ecr_images", "aws_ecr_layers", "aws_ecr_uploads", "aws_ecr_repos"])
        db.prepare(`DELETE FROM ${t} WHERE region = ? AND ${t === "aws_ecr_repos" ? "name" : "repo"} = ?`).run(repo.region, repo.name);
    })();
    // Blobs stay in the content-addressed store: other repositories may share them.
    return { repository: repositoryShape(repo) };
  },

  PutImageTagMutability(call) {
    const repo = authorizedRepo(call, "ecr:PutImageTagMutability");
    const { mutability, filters } = readTagMutability(call, undefined);
    call.ctx.db
      .prepare(`UPDATE aws_ecr_repos SET tag_mutability = ?, tag_mutability_exclusion_filters = ? WHERE region = ? AND name = ?`)
      .run(mutability, filters ? JSON.stringify(filters) : null, repo.region, repo.name);
    return { registryId: ACCOUNT_ID, repositoryName: repo.name, imageTagMutability: mutability, ...(filters ? { imageTagMutabilityExclusionFilters: filters } : {}) };
  },

  GetAuthorizationToken(call) {
    authorize(call, "ecr:GetAuthorizationToken", "*");
    const expiresMs = call.now.getTime() + TOKEN_TTL_MS;
    return { authorizationData: [{ authorizationToken: issueAuthorizationToken(call, expiresMs), expiresAt: new Date(expiresMs), proxyEndpoint: call.ctx.baseUrl() }] };
  },
};

export const ecrOperations: Record<string, OperationHandler> = { ...repoOperations, ...imageOperations, ...layerOperations, ...accountSettingOperations };
