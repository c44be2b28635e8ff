/** The SQLite schema, as numbered migrations applied in order (PRAGMA user_version). */
export const migrations: string[] = [
  `
  CREATE TABLE zones (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE code (
    sha256 TEXT PRIMARY KEY,
    content TEXT NOT NULL
  );
  CREATE TABLE functions (
    id TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    remark TEXT NOT NULL,
    production_version_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (zone_id, name)
  );
  CREATE TABLE versions (
    id TEXT PRIMARY KEY,
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES code(sha256),
    source TEXT NOT NULL,
    remark TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (function_id, seq)
  );
  CREATE TABLE replicas (
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    remark TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES code(sha256),
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    PRIMARY KEY (function_id, name)
  );
  CREATE TABLE env_vars (
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (function_id, key)
  );
  CREATE TABLE rules (
    id TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    priority INTEGER NOT NULL,
    conditions TEXT NOT NULL,
    action TEXT NOT NULL,
    remark TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX rules_by_zone ON rules (zone_id, priority);
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    at TEXT NOT NULL
  );
  `,
  // 2: a replica may serve a share of its function's production traffic (JSON {percent, sticky?}).
  `ALTER TABLE replicas ADD COLUMN rollout TEXT`,
  // 3: shadow traffic to a replica (JSON {percent, methods, since}), and why a rollout stopped by itself.
  `ALTER TABLE replicas ADD COLUMN shadow TEXT;
   ALTER TABLE replicas ADD COLUMN rollout_stop TEXT`,
  // 4: API keys for the EdgeOne-compatible API (secret_key is ciphertext, like secret env vars).
  `CREATE TABLE api_keys (
    secret_id TEXT PRIMARY KEY,
    secret_key TEXT NOT NULL,
    remark TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`,
];
