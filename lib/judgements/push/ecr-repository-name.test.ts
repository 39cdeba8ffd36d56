import { describe, expect, it } from "vitest";
import { checkEcrRepositoryName, readImageRepository } from "./ecr-repository-name";

describe("readImageRepository", () => {
  it.each([
    ["api", "api"],
    ["api:1.2", "api"],
    ["team/api:latest", "team/api"],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:abc1234", "team/api"],
    ["localhost:5000/app:dev", "app"],
    ["localhost/app", "app"],
    ["registry:5000/app", "app"],
    ["ghcr.io/acme/web@sha256:" + "a".repeat(64), "acme/web"],
    ["ghcr.io/acme/web:1@sha256:" + "a".repeat(64), "acme/web"],
    ["acme/web", "acme/web"],
    ["nginx", "nginx"],
  ])("%s → %s", (ref, repo) => {
    expect(readImageRepository(ref)).toBe(repo);
  });
});

describe("checkEcrRepositoryName", () => {
  it.each(["api", "team/api", "a.b_c-d/e0", "a1", "x".repeat(256)])("accepts %s", (n) => {
    expect(checkEcrRepositoryName(n)).toBeNull();
  });
  it.each(["a", "API", "team//api", "/api", "api/", "api-", "-api", "a..b", "a b", "x".repeat(257), "", "a_-b"])(
    "rejects %s",
    (n) => {
      expect(checkEcrRepositoryName(n)).toMatch(/must be 2 to 256|not a valid ECR repository name/);
    },
  );
});
