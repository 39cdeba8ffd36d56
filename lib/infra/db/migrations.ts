/**
 * Versioned, append-only migrations. Never edit a released one: add the next version.
 * Reserved while features are built in parallel: 2 = pushes (webhook deliveries, jobs, job logs),
 * 3 = key rotation, 4 = guided setup, 5 = posture snapshots/cache, 6 = untrusted builds (log cap, forward-only
 * pushes), 7 = "interrupted" step outcome, 8 = revoked sessions (sign-out), 10 = the move to the OIDC role. Append in version order; a gap is fine (each version is applied once, in order).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: "audit log and settings",
    sql: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('success', 'refused', 'failure')),
        detail TEXT,
        error_id TEXT
      );
      CREATE INDEX audit_log_at ON audit_log (at DESC);
      CREATE INDEX audit_log_action ON audit_log (action);
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "webhook deliveries and push jobs",
    sql: `
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('enqueued', 'ignored', 'pong', 'duplicate')),
        reason TEXT,
        ref TEXT,
        sha TEXT,
        job_id TEXT,
        body_bytes INTEGER NOT NULL
      );
      CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at DESC);
      CREATE TABLE push_jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'skipped', 'failed', 'cancelled', 'superseded')),
        trigger TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        delivery_id TEXT,
        branch TEXT,
        ref TEXT,
        sha TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        worker_id TEXT,
        lease_until INTEGER,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        superseded_by TEXT,
        summary TEXT,
        error TEXT
      );
      CREATE INDEX push_jobs_state ON push_jobs (state, seq);
      CREATE INDEX push_jobs_branch ON push_jobs (branch, state);
      CREATE TABLE push_job_services (
        job_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        service TEXT NOT NULL,
        repository TEXT NOT NULL,
        decision TEXT NOT NULL,
        detail TEXT,
        local_config_digest TEXT,
        local_manifest_digest TEXT,
        remote_digest_before TEXT,
        blobs_uploaded INTEGER NOT NULL DEFAULT 0,
        bytes_uploaded INTEGER NOT NULL DEFAULT 0,
        timings TEXT,
        PRIMARY KEY (job_id, attempt, service)
      );
      CREATE TABLE push_job_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at TEXT NOT NULL,
        stream TEXT NOT NULL,
        line TEXT NOT NULL
      );
      CREATE INDEX push_job_logs_job ON push_job_logs (job_id, id);
    `,
  },
  {
    version: 3,
    name: "key rotations and their steps",
    sql: `
      CREATE TABLE rotations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL CHECK (state IN ('running', 'stopped', 'completed', 'failed')),
        lock_key TEXT NOT NULL DEFAULT 'rotation',
        trigger TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        user_name TEXT NOT NULL,
        old_key_id TEXT,
        new_key_id TEXT,
        keys_before TEXT NOT NULL,
        restarts INTEGER NOT NULL DEFAULT 0,
        message TEXT,
        warning TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        delete_after TEXT,
        old_key_deleted_at TEXT,
        owner TEXT,
        lease_until INTEGER
      );
      -- One rotation at a time, enforced by the store: a second running or stopped rotation cannot be inserted.
      CREATE UNIQUE INDEX rotations_one_active ON rotations (lock_key) WHERE state IN ('running', 'stopped');
      CREATE INDEX rotations_delete_after ON rotations (delete_after) WHERE old_key_deleted_at IS NULL;
      CREATE TABLE rotation_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rotation_id INTEGER NOT NULL REFERENCES rotations (id),
        step INTEGER NOT NULL,
        name TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'skipped')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        detail TEXT,
        message TEXT
      );
      CREATE INDEX rotation_steps_rotation ON rotation_steps (rotation_id, id);
    `,
  },
  {
    version: 4,
    name: "guided setup runs and their steps",
    sql: `
      CREATE TABLE setups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL CHECK (state IN ('running', 'stopped', 'completed', 'failed')),
        lock_key TEXT NOT NULL DEFAULT 'setup',
        requested_by TEXT NOT NULL,
        names TEXT NOT NULL,
        plan TEXT NOT NULL,
        remove_region_secret_confirmed INTEGER NOT NULL DEFAULT 0,
        message TEXT,
        warning TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        owner TEXT
      );
      -- One setup at a time: a second running or stopped setup cannot be inserted.
      CREATE UNIQUE INDEX setups_one_active ON setups (lock_key) WHERE state IN ('running', 'stopped');
      CREATE TABLE setup_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        setup_id INTEGER NOT NULL REFERENCES setups (id),
        step TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'skipped')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        detail TEXT,
        message TEXT
      );
      CREATE INDEX setup_steps_setup ON setup_steps (setup_id, id);
    `,
  },
  {
    version: 6,
    name: "job log cap, forward-only webhook pushes, retention",
    sql: `
      -- Per job: how much of its log is kept as head and tail, and how much was cut (lib/operations/pushes/cap-job-log.ts).
      CREATE TABLE push_job_log_stats (
        job_id TEXT PRIMARY KEY,
        head_bytes INTEGER NOT NULL DEFAULT 0,
        head_end_id INTEGER,
        tail_bytes INTEGER NOT NULL DEFAULT 0,
        marker_id INTEGER,
        cut_lines INTEGER NOT NULL DEFAULT 0,
        cut_bytes INTEGER NOT NULL DEFAULT 0
      );
      -- Deliveries gain 'pending': verified and recorded, waiting for the forward-only check against GitHub
      -- (lib/operations/pushes/process-pending-deliveries.ts). SQLite cannot change a CHECK: the table is rebuilt.
      CREATE TABLE webhook_deliveries_v6 (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'enqueued', 'ignored', 'pong', 'duplicate')),
        reason TEXT,
        ref TEXT,
        sha TEXT,
        job_id TEXT,
        body_bytes INTEGER NOT NULL,
        branch TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        lease_owner TEXT,
        lease_until INTEGER,
        processed_at TEXT
      );
      INSERT INTO webhook_deliveries_v6 (id, event, received_at, outcome, reason, ref, sha, job_id, body_bytes)
        SELECT id, event, received_at, outcome, reason, ref, sha, job_id, body_bytes FROM webhook_deliveries;
      DROP TABLE webhook_deliveries;
      ALTER TABLE webhook_deliveries_v6 RENAME TO webhook_deliveries;
      CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at DESC);
      CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (received_at) WHERE outcome = 'pending';
      -- Per branch, the commit Deckhand last accepted as moving it forward: the base of the compare check.
      CREATE TABLE push_branch_heads (
        branch TEXT PRIMARY KEY,
        sha TEXT NOT NULL,
        job_id TEXT,
        accepted_at TEXT NOT NULL
      );
      CREATE INDEX push_jobs_finished ON push_jobs (finished_at);
    `,
  },
  {
    version: 7,
    name: "steps a crash cut off are closed as interrupted",
    // SQLite cannot change a CHECK constraint in place: each step table is rebuilt with the new outcome.
    sql: `
      CREATE TABLE rotation_steps_v7 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rotation_id INTEGER NOT NULL REFERENCES rotations (id),
        step INTEGER NOT NULL,
        name TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'skipped', 'interrupted')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        detail TEXT,
        message TEXT
      );
      INSERT INTO rotation_steps_v7 (id, rotation_id, step, name, outcome, started_at, ended_at, detail, message)
        SELECT id, rotation_id, step, name, outcome, started_at, ended_at, detail, message FROM rotation_steps;
      DROP TABLE rotation_steps;
      ALTER TABLE rotation_steps_v7 RENAME TO rotation_steps;
      CREATE INDEX rotation_steps_rotation ON rotation_steps (rotation_id, id);
      CREATE TABLE setup_steps_v7 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        setup_id INTEGER NOT NULL REFERENCES setups (id),
        step TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'skipped', 'interrupted')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        detail TEXT,
        message TEXT
      );
      INSERT INTO setup_steps_v7 (id, setup_id, step, outcome, started_at, ended_at, detail, message)
        SELECT id, setup_id, step, outcome, started_at, ended_at, detail, message FROM setup_steps;
      DROP TABLE setup_steps;
      ALTER TABLE setup_steps_v7 RENAME TO setup_steps;
      CREATE INDEX setup_steps_setup ON setup_steps (setup_id, id);
    `,
  },
  {
    version: 8,
    name: "sign-out revokes the session on the server (revoked_sessions)",
    // A signed-out session's id, kept until the session would have expired anyway (then pruned).
    sql: `
      CREATE TABLE revoked_sessions (
        sid TEXT PRIMARY KEY,
        revoked_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX revoked_sessions_expires ON revoked_sessions (expires_at);
    `,
  },
  {
    version: 9,
    name: "warm builds: build inputs per image, build details per service, fresh base images, build cache drops",
    sql: `
      ALTER TABLE push_job_services ADD COLUMN inputs_digest TEXT;
      ALTER TABLE push_job_services ADD COLUMN build TEXT;
      ALTER TABLE push_jobs ADD COLUMN fresh_bases INTEGER NOT NULL DEFAULT 0;
      -- The build inputs behind each image Deckhand pushed or found equal: what lets a later job decide
      -- "unchanged" for the image latest points to without building (lib/judgements/push/decide-early-skip.ts).
      CREATE TABLE image_build_inputs (
        repository TEXT NOT NULL,
        image_digest TEXT NOT NULL,
        inputs_digest TEXT NOT NULL,
        job_id TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (repository, image_digest)
      );
      CREATE INDEX image_build_inputs_recent ON image_build_inputs (repository, recorded_at);
      -- An operator's "drop the build cache": each worker drops its cache once, at its next claim.
      CREATE TABLE build_cache_drops (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: "platform routing: waiting jobs, job parts for another platform's worker, workers and their platforms",
    // SQLite cannot change a CHECK constraint in place: push_jobs is rebuilt with the state 'waiting'.
    sql: `
      CREATE TABLE push_jobs_v10 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'waiting', 'succeeded', 'skipped', 'failed', 'cancelled', 'superseded')),
        trigger TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        delivery_id TEXT,
        branch TEXT,
        ref TEXT,
        sha TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        worker_id TEXT,
        lease_until INTEGER,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        superseded_by TEXT,
        summary TEXT,
        error TEXT,
        fresh_bases INTEGER NOT NULL DEFAULT 0
      );
      INSERT INTO push_jobs_v10 (seq, id, state, trigger, requested_by, delivery_id, branch, ref, sha, attempts, max_attempts, worker_id,
        lease_until, created_at, started_at, finished_at, superseded_by, summary, error, fresh_bases)
      SELECT seq, id, state, trigger, requested_by, delivery_id, branch, ref, sha, attempts, max_attempts, worker_id,
        lease_until, created_at, started_at, finished_at, superseded_by, summary, error, fresh_bases FROM push_jobs;
      DROP TABLE push_jobs;
      ALTER TABLE push_jobs_v10 RENAME TO push_jobs;
      CREATE INDEX push_jobs_state ON push_jobs (state, seq);
      CREATE INDEX push_jobs_branch ON push_jobs (branch, state);
      CREATE INDEX push_jobs_finished ON push_jobs (finished_at);
      -- A service the job's worker could not build (its platform's RUN steps need emulation the worker lacks):
      -- claimable only by a worker reporting the platform, with its own lease and attempt (fencing token).
      CREATE TABLE push_job_parts (
        job_id TEXT NOT NULL,
        service TEXT NOT NULL,
        repository TEXT NOT NULL,
        platform TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'succeeded', 'skipped', 'failed', 'cancelled', 'superseded')),
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        worker_id TEXT,
        lease_until INTEGER,
        waiting_since TEXT NOT NULL,
        deadline INTEGER NOT NULL,
        error TEXT,
        finished_at TEXT,
        PRIMARY KEY (job_id, service)
      );
      CREATE INDEX push_job_parts_open ON push_job_parts (state, platform);
      -- Every worker that claimed or heartbeat: which platforms it builds, when it was last seen.
      CREATE TABLE push_workers (
        worker_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        platforms TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
      );
      CREATE INDEX push_workers_seen ON push_workers (last_seen);
    `,
  },
  {
    version: 11,
    name: "push jobs and webhook deliveries name their GitHub repository (several repositories)",
    // NULL: a job or delivery from before, of the repository that was then the only one (the configured default).
    sql: `
      ALTER TABLE push_jobs ADD COLUMN repository TEXT;
      CREATE INDEX push_jobs_repository ON push_jobs (repository, seq);
      ALTER TABLE webhook_deliveries ADD COLUMN repository TEXT;
      -- Accepted heads per repository and branch ("" = the default repository, as every row from before).
      CREATE TABLE push_branch_heads_v11 (
        repository TEXT NOT NULL DEFAULT '',
        branch TEXT NOT NULL,
        sha TEXT NOT NULL,
        job_id TEXT,
        accepted_at TEXT NOT NULL,
        PRIMARY KEY (repository, branch)
      );
      INSERT INTO push_branch_heads_v11 (repository, branch, sha, job_id, accepted_at) SELECT '', branch, sha, job_id, accepted_at FROM push_branch_heads;
      DROP TABLE push_branch_heads;
      ALTER TABLE push_branch_heads_v11 RENAME TO push_branch_heads;
    `,
  },
  {
    version: 12,
    name: "the move to GitHub's OIDC role: one move at a time, its steps like a setup's",
    sql: `
      CREATE TABLE oidc_moves (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        state TEXT NOT NULL CHECK (state IN ('running', 'stopped', 'completed', 'failed')),
        -- The repository (owner/name): one move running or stopped per repository.
        repository TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        -- The plan as applied (names, ARNs, the trust and permission documents, the workflow path): JSON.
        plan TEXT NOT NULL,
        message TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        owner TEXT
      );
      CREATE UNIQUE INDEX oidc_moves_one_active ON oidc_moves (repository) WHERE state IN ('running', 'stopped');
      CREATE TABLE oidc_move_steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        move_id INTEGER NOT NULL REFERENCES oidc_moves (id),
        step TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'skipped', 'interrupted')),
        started_at TEXT NOT NULL,
        ended_at TEXT,
        detail TEXT,
        message TEXT
      );
      CREATE INDEX oidc_move_steps_move ON oidc_move_steps (move_id, id);
    `,
  },
  {
    version: 13,
    name: "rotations per push user: the repository a rotation acts from, and one active rotation per IAM user",
    sql: `
      -- The configured repository (owner/name) the rotation was started from: its primary holder and first canary.
      -- NULL for rotations recorded before: the default repository.
      ALTER TABLE rotations ADD COLUMN repository TEXT;
      -- One running or stopped rotation per push user (was: one in all). Two users' rotations touch different keys.
      DROP INDEX rotations_one_active;
      CREATE UNIQUE INDEX rotations_one_active_per_user ON rotations (user_name) WHERE state IN ('running', 'stopped');
    `,
  },
  {
    version: 14,
    name: "repositories discovered under GITHUB_REPOSITORIES' owner wildcards (owner/*), the last answer per owner",
    // One row per owner wildcard: the repositories found and those skipped (JSON), when, and the last refresh's failure
    // (the list found before is kept and still served). The app writes it; the worker and the webhook fast path read it.
    sql: `
      CREATE TABLE repository_discoveries (
        owner TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
        push_user TEXT NOT NULL,
        -- [{ "repository": "owner/name", "owner": ..., "repo": ..., "pushUser": ... }]
        repositories TEXT NOT NULL DEFAULT '[]',
        -- [{ "repository": "owner/name", "reason": "..." }]
        skipped TEXT NOT NULL DEFAULT '[]',
        discovered_at TEXT,
        failed_at TEXT,
        failure TEXT
      );
    `,
  },
  {
    version: 15,
    name: "ECR repository owners: the one served repository whose services may push into each ECR repository (issue 16)",
    // Recorded by Deckhand (not ECR resource tags: tagging needs ecr:TagResource, which the guide's push policy lacks).
    // One row per account, region and ECR repository name; the app writes it when a push job claims a repository and
    // when an operator reassigns or releases one. `source_repository` is the owner/name as served; NOCASE because
    // GitHub's names are case-insensitive.
    sql: `
      CREATE TABLE ecr_repository_owners (
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        ecr_repository TEXT NOT NULL,
        source_repository TEXT NOT NULL COLLATE NOCASE,
        -- "push job <id> (<service>)", or the operator's login for a reassignment.
        claimed_by TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        PRIMARY KEY (account, region, ecr_repository)
      );
    `,
  },
  {
    version: 16,
    name: "push users adopted on the Fleet page: the IAM user CloudTrail found signing a repository's runs (issue 16)",
    // One row per served repository whose push user an operator adopted (lib/operations/fleet/adopt-push-user.ts);
    // servedRepositories() applies it to a repository whose push user GITHUB_REPOSITORIES does not name. The row is
    // deleted when the operator stops using that user; the audit log keeps the history.
    sql: `
      CREATE TABLE push_user_adoptions (
        -- owner/name; NOCASE because GitHub's names are case-insensitive.
        repository TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
        push_user TEXT NOT NULL,
        adopted_by TEXT NOT NULL,
        adopted_at TEXT NOT NULL,
        -- The GitHub Actions run whose AWS calls CloudTrail said push_user signed.
        run_id INTEGER NOT NULL
      );
    `,
  },
];
