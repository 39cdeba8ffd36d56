import type Database from "better-sqlite3";

/** Tables of the GitHub half beyond users/OAuth (repositories, Actions, statuses, hooks). */
export const REPO_TABLES = [
  "gh_org_members",
  "gh_scope_keys",
  "gh_scoped_secrets",
  "gh_scoped_variables",
  "gh_selected_repos",
  "gh_environments",
  "gh_deliveries",
  "gh_hooks",
  "gh_statuses",
  "gh_jobs",
  "gh_runs",
  "gh_workflows",
  "gh_variables",
  "gh_secrets",
  "gh_repo_keys",
  "gh_repo_perms",
  "gh_repos",
];

export function migrateRepos(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS gh_repos (
      id INTEGER PRIMARY KEY,
      owner TEXT NOT NULL COLLATE NOCASE,
      name TEXT NOT NULL COLLATE NOCASE,
      private INTEGER NOT NULL DEFAULT 1,
      description TEXT,
      default_branch TEXT NOT NULL DEFAULT 'main',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      pushed_at TEXT NOT NULL,
      UNIQUE (owner, name)
    );
    CREATE TABLE IF NOT EXISTS gh_repo_perms (
      repo_id INTEGER NOT NULL,
      login TEXT NOT NULL COLLATE NOCASE,
      permission TEXT NOT NULL,
      PRIMARY KEY (repo_id, login)
    );
    CREATE TABLE IF NOT EXISTS gh_repo_keys (
      repo_id INTEGER PRIMARY KEY,
      key_id TEXT NOT NULL,
      public_key TEXT NOT NULL,
      secret_key TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS gh_secrets (
      repo_id INTEGER NOT NULL,
      name TEXT NOT NULL COLLATE NOCASE,
      value TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (repo_id, name)
    );
    CREATE TABLE IF NOT EXISTS gh_variables (
      repo_id INTEGER NOT NULL,
      name TEXT NOT NULL COLLATE NOCASE,
      value TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (repo_id, name)
    );
    CREATE TABLE IF NOT EXISTS gh_workflows (
      id INTEGER PRIMARY KEY,
      repo_id INTEGER NOT NULL,
      name TEXT NOT NULL,
      path TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'active',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS gh_runs (
      id INTEGER PRIMARY KEY,
      repo_id INTEGER NOT NULL,
      workflow_id INTEGER NOT NULL,
      run_number INTEGER NOT NULL,
      run_attempt INTEGER NOT NULL DEFAULT 1,
      event TEXT NOT NULL,
      status TEXT NOT NULL,
      conclusion TEXT,
      head_branch TEXT,
      head_sha TEXT NOT NULL,
      head_commit TEXT NOT NULL,
      actor TEXT NOT NULL,
      triggering_actor TEXT NOT NULL,
      display_title TEXT NOT NULL,
      check_suite_id INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      run_started_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS gh_runs_repo ON gh_runs (repo_id, created_at DESC, id DESC);
    CREATE INDEX IF NOT EXISTS gh_runs_workflow ON gh_runs (workflow_id, run_number);
    CREATE TABLE IF NOT EXISTS gh_jobs (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL,
      run_attempt INTEGER NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL,
      conclusion TEXT,
      created_at TEXT NOT NULL,
      started_at TEXT NOT NULL,
      completed_at TEXT,
      steps TEXT NOT NULL,
      log TEXT NOT NULL DEFAULT '',
      runner_name TEXT
    );
    CREATE INDEX IF NOT EXISTS gh_jobs_run ON gh_jobs (run_id, run_attempt);
    CREATE TABLE IF NOT EXISTS gh_statuses (
      id INTEGER PRIMARY KEY,
      repo_id INTEGER NOT NULL,
      sha TEXT NOT NULL,
      state TEXT NOT NULL,
      target_url TEXT,
      description TEXT,
      context TEXT NOT NULL,
      creator TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS gh_hooks (
      id INTEGER PRIMARY KEY,
      repo_id INTEGER NOT NULL,
      active INTEGER NOT NULL DEFAULT 1,
      events TEXT NOT NULL,
      url TEXT NOT NULL,
      content_type TEXT NOT NULL DEFAULT 'form',
      secret TEXT,
      insecure_ssl TEXT NOT NULL DEFAULT '0',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      last_code INTEGER,
      last_status TEXT NOT NULL DEFAULT 'unused',
      last_message TEXT
    );
    CREATE TABLE IF NOT EXISTS gh_org_members (
      org TEXT NOT NULL COLLATE NOCASE,
      login TEXT NOT NULL COLLATE NOCASE,
      role TEXT NOT NULL,
      PRIMARY KEY (org, login)
    );
    -- Sealing keys of organizations ("org:acme") and environments ("env:<id>"); repositories keep gh_repo_keys.
    CREATE TABLE IF NOT EXISTS gh_scope_keys (
      scope TEXT PRIMARY KEY,
      key_id TEXT NOT NULL,
      public_key TEXT NOT NULL,
      secret_key TEXT NOT NULL
    );
    -- Organization ("org:acme", with visibility) and environment ("env:<id>") secrets and variables.
    CREATE TABLE IF NOT EXISTS gh_scoped_secrets (
      scope TEXT NOT NULL COLLATE NOCASE,
      name TEXT NOT NULL COLLATE NOCASE,
      value TEXT NOT NULL,
      visibility TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (scope, name)
    );
    CREATE TABLE IF NOT EXISTS gh_scoped_variables (
      scope TEXT NOT NULL COLLATE NOCASE,
      name TEXT NOT NULL COLLATE NOCASE,
      value TEXT NOT NULL,
      visibility TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (scope, name)
    );
    -- Repositories selected for an organization secret or variable (visibility "selected").
    CREATE TABLE IF NOT EXISTS gh_selected_repos (
      scope TEXT NOT NULL COLLATE NOCASE,
      kind TEXT NOT NULL,
      name TEXT NOT NULL COLLATE NOCASE,
      repo_id INTEGER NOT NULL,
      PRIMARY KEY (scope, kind, name, repo_id)
    );
    CREATE TABLE IF NOT EXISTS gh_environments (
      id INTEGER PRIMARY KEY,
      repo_id INTEGER NOT NULL,
      name TEXT NOT NULL COLLATE NOCASE,
      wait_timer INTEGER NOT NULL DEFAULT 0,
      reviewers TEXT NOT NULL DEFAULT '[]',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (repo_id, name)
    );
    CREATE TABLE IF NOT EXISTS gh_deliveries (
      id INTEGER PRIMARY KEY,
      hook_id INTEGER NOT NULL,
      guid TEXT NOT NULL,
      delivered_at TEXT NOT NULL,
      redelivery INTEGER NOT NULL DEFAULT 0,
      duration REAL NOT NULL,
      status TEXT NOT NULL,
      status_code INTEGER NOT NULL,
      event TEXT NOT NULL,
      action TEXT,
      repository_id INTEGER,
      request_headers TEXT NOT NULL,
      request_body TEXT NOT NULL,
      response_headers TEXT NOT NULL,
      response_body TEXT NOT NULL
    );
  `);
}
