/**
 * ECR repository names (CreateRepository API reference): 2 to 256 characters, lowercase letters, digits and
 * the separators '.', '_', '-' between them, with optional '/' namespaces.
 */
const ECR_REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Returns why `name` is not a valid ECR repository name, or null when it is. */
export function checkEcrRepositoryName(name: string): string | null {
  if (name.length < 2 || name.length > 256) return `"${name}" must be 2 to 256 characters long`;
  if (!ECR_REPOSITORY_NAME.test(name)) {
    return `"${name}" is not a valid ECR repository name (lowercase letters, digits, and '.', '_', '-' or '/' between them)`;
  }
  return null;
}

/**
 * The repository part of an image reference: "registry.example.com:5000/team/api:1.2@sha256:..." → "team/api".
 * Like Docker, the first component is a registry host only if it has a '.' or ':' or is "localhost".
 * Docker Hub's implicit "library/" is not added: we want the name as written, for ECR.
 */
export function readImageRepository(reference: string): string {
  let rest = reference.trim();
  const at = rest.indexOf("@");
  if (at >= 0) rest = rest.slice(0, at);
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") rest = rest.slice(slash + 1);
  }
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) rest = rest.slice(0, colon);
  return rest;
}
