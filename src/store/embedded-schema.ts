// The embedded store's schema, versioned with SQLite's `user_version`. Each migration runs once, in order,
// inside one transaction with the version bump; a file written by a newer restgate is refused rather than
// guessed at. Add a migration at the end; never edit one that has shipped.
import type { Database } from 'better-sqlite3'

export const MIGRATIONS: readonly string[] = [
  // 1: tokens, sessions, counters, replay claims, snapshots, meta, invalidation events
  `
  CREATE TABLE tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a deleted token's id is never reused
    user          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    hash          TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    lifetime_days INTEGER,
    scope         TEXT    NOT NULL,
    paths         TEXT,                              -- JSON array, or NULL for every path
    last_used_at  INTEGER,
    last_used_ip  TEXT
  );
  CREATE INDEX tokens_user ON tokens (user, id);

  CREATE TABLE sessions (
    key                 TEXT PRIMARY KEY,
    user                TEXT    NOT NULL,
    method              TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    last_seen_at        INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    csrf                TEXT    NOT NULL
  );

  CREATE TABLE counters (
    key      TEXT PRIMARY KEY,
    count    INTEGER NOT NULL,
    reset_at INTEGER NOT NULL
  );

  CREATE TABLE claims (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );

  CREATE TABLE snapshots (
    id          TEXT PRIMARY KEY,
    time_millis INTEGER NOT NULL,
    description TEXT    NOT NULL,
    automatic   INTEGER NOT NULL,
    version     TEXT    NOT NULL,
    text        TEXT    NOT NULL
  );
  CREATE INDEX snapshots_time ON snapshots (time_millis, id);

  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    payload TEXT    NOT NULL
  );
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length

export function migrate(db: Database, file: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `${file} has schema version ${version}, newer than this restgate knows (${SCHEMA_VERSION}): upgrade restgate or restore a backup`,
      )
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!)
    if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}
