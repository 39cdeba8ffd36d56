export type Role = "operator" | "viewer";

export interface RoleLists {
  operators: string[];
  viewers: string[];
}

/** GitHub logins are case-insensitive; operators win when a login is on both lists. */
export function roleFor(login: string | null | undefined, lists: RoleLists): Role | null {
  if (!login) return null;
  const l = login.toLowerCase();
  if (lists.operators.some((o) => o.toLowerCase() === l)) return "operator";
  if (lists.viewers.some((v) => v.toLowerCase() === l)) return "viewer";
  return null;
}

export function roleAllows(actual: Role, required: Role): boolean {
  return required === "viewer" || actual === "operator";
}
