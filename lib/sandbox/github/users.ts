import type Database from "better-sqlite3";

export interface SandboxUser {
  id: number;
  login: string;
  name: string;
  email: string;
  type: "User" | "Organization";
  created_at: string;
}

export function migrateUsers(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS gh_users (
      id INTEGER PRIMARY KEY,
      login TEXT NOT NULL UNIQUE COLLATE NOCASE,
      name TEXT NOT NULL,
      email TEXT NOT NULL,
      type TEXT NOT NULL DEFAULT 'User',
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS gh_tokens (
      token TEXT PRIMARY KEY,
      login TEXT NOT NULL,
      scopes TEXT NOT NULL,
      client_id TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS gh_oauth_codes (
      code TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      login TEXT NOT NULL,
      redirect_uri TEXT NOT NULL,
      scopes TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      used INTEGER NOT NULL DEFAULT 0
    );
  `);
}

/** The three people of the sandbox: an operator, a viewer, and someone Deckhand must refuse. */
export const SEEDED_USERS: Array<Omit<SandboxUser, "created_at">> = [
  { id: 1001, login: "octo-operator", name: "Octo Operator", email: "octo-operator@users.noreply.sandbox.local", type: "User" },
  { id: 1002, login: "octo-viewer", name: "Octo Viewer", email: "octo-viewer@users.noreply.sandbox.local", type: "User" },
  { id: 1003, login: "mallory", name: "Mallory", email: "mallory@users.noreply.sandbox.local", type: "User" },
  { id: 2001, login: "acme", name: "Acme", email: "ops@acme.sandbox.local", type: "Organization" },
];

export function seedUsers(db: Database.Database): void {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO gh_users (id, login, name, email, type, created_at) VALUES (@id, @login, @name, @email, @type, @created_at)`,
  );
  for (const u of SEEDED_USERS) insert.run({ ...u, created_at: "2023-01-15T09:00:00Z" });
}

export function findUser(db: Database.Database, login: string): SandboxUser | undefined {
  return db.prepare(`SELECT * FROM gh_users WHERE login = ?`).get(login) as SandboxUser | undefined;
}

export function findUserById(db: Database.Database, id: number): SandboxUser | undefined {
  return db.prepare(`SELECT * FROM gh_users WHERE id = ?`).get(id) as SandboxUser | undefined;
}

export function listPeople(db: Database.Database): SandboxUser[] {
  return db.prepare(`SELECT * FROM gh_users WHERE type = 'User' ORDER BY id`).all() as SandboxUser[];
}

/** GitHub's user object (the `simple-user` / `private-user` shape). */
export function userJson(u: SandboxUser, baseUrl: string) {
  const api = `${baseUrl}/api/v3`;
  return {
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`04:${u.type}${u.id}`).toString("base64"),
    avatar_url: `${baseUrl}/avatars/u/${u.id}`,
    gravatar_id: "",
    url: `${api}/users/${u.login}`,
    html_url: `${baseUrl}/${u.login}`,
    followers_url: `${api}/users/${u.login}/followers`,
    following_url: `${api}/users/${u.login}/following{/other_user}`,
    gists_url: `${api}/users/${u.login}/gists{/gist_id}`,
    starred_url: `${api}/users/${u.login}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/users/${u.login}/subscriptions`,
    organizations_url: `${api}/users/${u.login}/orgs`,
    repos_url: `${api}/users/${u.login}/repos`,
    events_url: `${api}/users/${u.login}/events{/privacy}`,
    received_events_url: `${api}/users/${u.login}/received_events`,
    type: u.type,
    user_view_type: "public",
    site_admin: false,
  };
}

export function privateUserJson(u: SandboxUser, baseUrl: string) {
  return {
    ...userJson(u, baseUrl),
    name: u.name,
    company: null,
    blog: "",
    location: null,
    email: u.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    notification_email: u.email,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: u.created_at,
    updated_at: u.created_at,
    private_gists: 0,
    total_private_repos: 1,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: "free", space: 976562499, collaborators: 0, private_repos: 10000 },
  };
}
