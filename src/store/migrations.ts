/**
 * A migration: SQL both engines run (Postgres reads SQLite's INTEGER as BIGINT and REAL as DOUBLE PRECISION, which
 * is what they are in SQLite: see postgres.ts), or that plus a backfill only an existing SQLite studio needs (a
 * Postgres studio starts from an empty schema, or from `studio-mcp migrate`, which copies the new columns).
 */
export type Migration = string | { sql: string; sqliteBackfill: string };

/**
 * Schema migrations, applied in order inside one transaction each; the `schema_migrations` table records which
 * ran (migrate.ts). Never edit a shipped migration: add a new one.
 */
export const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE characters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    reference_images TEXT NOT NULL DEFAULT '[]',
    voice_id TEXT,
    style_tokens TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE films (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE scenes (
    id TEXT PRIMARY KEY,
    film_id TEXT REFERENCES films(id) ON DELETE SET NULL,
    position INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    description TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX scenes_film ON scenes(film_id, position);
  CREATE TABLE shots (
    id TEXT PRIMARY KEY,
    scene_id TEXT NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT,
    prompt TEXT,
    model TEXT,
    character_id TEXT REFERENCES characters(id) ON DELETE SET NULL,
    duration REAL,
    params TEXT NOT NULL DEFAULT '{}',
    transition TEXT NOT NULL DEFAULT '{"type":"cut","duration":0}',
    start_frame_media_id TEXT,
    end_frame_media_id TEXT,
    current_take_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX shots_scene ON shots(scene_id, position);
  CREATE TABLE media (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('video','image','voice')),
    origin TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    input_params TEXT NOT NULL DEFAULT '{}',
    character_id TEXT,
    shot_id TEXT,
    take_number INTEGER,
    start_frame_used TEXT,
    end_frame_used TEXT,
    reference_images_used TEXT NOT NULL DEFAULT '[]',
    file_path TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    duration REAL,
    width INTEGER,
    height INTEGER,
    fps REAL,
    has_audio INTEGER,
    job_id TEXT,
    provider_request_id TEXT,
    parent_media_id TEXT,
    first_frame_id TEXT,
    last_frame_id TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    timestamp TEXT NOT NULL
  );
  CREATE INDEX media_shot ON media(shot_id);
  CREATE INDEX media_parent ON media(parent_media_id);
  CREATE TABLE takes (
    id TEXT PRIMARY KEY,
    shot_id TEXT NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
    take_number INTEGER NOT NULL,
    media_id TEXT NOT NULL REFERENCES media(id),
    kind TEXT NOT NULL,
    parent_take_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (shot_id, take_number)
  );
  CREATE TABLE shot_audio (
    id TEXT PRIMARY KEY,
    shot_id TEXT NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
    media_id TEXT NOT NULL REFERENCES media(id),
    offset_seconds REAL NOT NULL DEFAULT 0,
    gain_db REAL NOT NULL DEFAULT 0,
    text TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    tool TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    operation_id TEXT,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT,
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX jobs_status ON jobs(status);
  CREATE TABLE renders (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('scene','film')),
    target_id TEXT NOT NULL,
    media_id TEXT NOT NULL REFERENCES media(id),
    input_hash TEXT NOT NULL,
    inputs TEXT NOT NULL,
    settings TEXT NOT NULL,
    mode TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX renders_target ON renders(kind, target_id, input_hash);
  CREATE TABLE model_cache (
    id TEXT PRIMARY KEY,
    version TEXT,
    capability TEXT NOT NULL,
    fetched_at TEXT NOT NULL
  );
  `,
  // A shot records whether it continues from the previous shot (starts on its last frame), so a new take upstream
  // can say which cuts went stale instead of guessing from frame ids.
  `
  ALTER TABLE shots ADD COLUMN continues INTEGER NOT NULL DEFAULT 0;
  UPDATE shots SET continues = 1 WHERE start_frame_media_id IS NOT NULL;
  `,
  // Unfinished jobs only (a handful, however long the history): the orphan sweep every few seconds reads these.
  `
  CREATE INDEX jobs_unfinished ON jobs(lease_until) WHERE status NOT IN ('succeeded','failed','canceled');
  `,
  // Audio beds: music, ambience and effects laid under a whole scene or a whole film (scene_add_audio /
  // film_add_audio), mixed under the dialogue by render_scene / render_film.
  `
  CREATE TABLE audio_beds (
    id TEXT PRIMARY KEY,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('scene','film')),
    target_id TEXT NOT NULL,
    media_id TEXT NOT NULL REFERENCES media(id),
    role TEXT NOT NULL CHECK (role IN ('music','ambience','sfx')),
    offset_seconds REAL NOT NULL DEFAULT 0,
    gain_db REAL NOT NULL DEFAULT 0,
    fade_in REAL NOT NULL DEFAULT 0,
    fade_out REAL NOT NULL DEFAULT 0,
    loop INTEGER NOT NULL DEFAULT 0,
    duck INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
  );
  CREATE INDEX audio_beds_target ON audio_beds(target_kind, target_id);
  `,
  // MCP tasks (the io.modelcontextprotocol/tasks extension): a tool call answered with a task handle and finished in
  // the background. Kept here, not in memory, because 2026-07-28 serving builds a server per request and a task's
  // result must outlive the call, the process and a restart.
  `
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    tool TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('working','completed','failed','cancelled')),
    status_message TEXT,
    progress REAL,
    job_id TEXT,
    owner TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT,
    ttl_ms INTEGER,
    poll_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX tasks_expiry ON tasks(expires_at);
  `,
  // fit_to_dialogue: a shot whose planned duration follows its lines (end of the last one plus the padding).
  `
  ALTER TABLE shots ADD COLUMN fit_to_dialogue INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE shots ADD COLUMN dialogue_padding_seconds REAL NOT NULL DEFAULT 0.5;
  `,
  // A person's approval of a take (the storyboard's take_approve): at most one per shot; plan runs keep it.
  `
  ALTER TABLE takes ADD COLUMN approved_at TEXT;
  `,
  // The store seam (issue 12): what shared SQL read through SQLite-only syntax becomes plain columns. The job's shot
  // and estimated cost (were json_extract on the request), and an insertion sequence for beds and renders (was rowid)
  // to order rows made within the same millisecond.
  {
    sql: `
  ALTER TABLE jobs ADD COLUMN shot_id TEXT;
  ALTER TABLE jobs ADD COLUMN cost_usd REAL;
  CREATE INDEX jobs_unfinished_shot ON jobs(shot_id) WHERE status NOT IN ('succeeded','failed','canceled');
  ALTER TABLE audio_beds ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE renders ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
  `,
    sqliteBackfill: `
  UPDATE jobs SET shot_id = json_extract(request, '$.shot_id'), cost_usd = json_extract(request, '$.cost_usd');
  UPDATE audio_beds SET seq = rowid;
  UPDATE renders SET seq = rowid;
  `,
  },
  // 2025-era MCP sessions over HTTP (src/transports/legacy-sessions.ts): what a replica needs to continue a session
  // another replica (or this process before a restart) began: the handshake, the log level, the subscriptions.
  // last_seen is epoch milliseconds, written at most every few seconds per session, for idle expiry.
  `
  CREATE TABLE mcp_sessions (
    id TEXT PRIMARY KEY,
    protocol_version TEXT NOT NULL,
    client_info TEXT NOT NULL,
    client_capabilities TEXT NOT NULL,
    log_level TEXT,
    created_at TEXT NOT NULL,
    last_seen INTEGER NOT NULL
  );
  CREATE INDEX mcp_sessions_seen ON mcp_sessions(last_seen);
  CREATE TABLE mcp_session_subscriptions (
    session_id TEXT NOT NULL REFERENCES mcp_sessions(id) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    PRIMARY KEY (session_id, uri)
  );
  `,
];
