import path from 'node:path';
import { BedRepo } from './beds.js';
import type { BlobBackend } from './blob-backend.js';
import { BlobStore } from './blobs.js';
import { ChangeFeed } from './changes.js';
import { CharacterRepo } from './characters.js';
import { FilmRepo, SceneRepo } from './films.js';
import { JobRepo } from './jobs.js';
import { MediaRepo } from './media.js';
import { ModelCacheRepo } from './model-cache.js';
import { PostgresSql } from './postgres.js';
import { RenderRepo } from './renders.js';
import { SessionRepo } from './sessions.js';
import { ShotRepo } from './shots.js';
import type { Dialect, Sql } from './sql.js';
import { SqliteSql } from './sqlite.js';
import { TaskRepo } from './tasks.js';

/** The studio's records and files. Services use this; tools never touch SQL, and nothing outside src/store does. */
export interface Store {
  /** Which engine holds the records (for messages and diagnostics only: the repos behave the same on both). */
  readonly engine: Dialect;
  blobs: BlobStore;
  characters: CharacterRepo;
  films: FilmRepo;
  scenes: SceneRepo;
  shots: ShotRepo;
  media: MediaRepo;
  jobs: JobRepo;
  renders: RenderRepo;
  /** Music, ambience and effect beds under scenes and films. */
  beds: BedRepo;
  /** MCP tasks (src/mcp/tasks.ts). */
  tasks: TaskRepo;
  /** Live model schemas read from providers. */
  modelCache: ModelCacheRepo;
  /** 2025-era MCP sessions over HTTP, so another replica or a restart can continue them (src/transports/legacy-sessions.ts). */
  sessions: SessionRepo;
  /** Change notices between processes on the same records (Postgres LISTEN/NOTIFY; nothing on SQLite). */
  changes: ChangeFeed;
  /**
   * Run `fn` in one transaction: every store call it makes (however deep) joins it, and concurrent writers, in this
   * process or another, wait until it ends.
   */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves once the schema is current (every store call waits for it anyway); rejects with what stopped it. */
  ready(): Promise<void>;
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` (STUDIO_DATABASE_URL): Postgres holds the records. Unset: SQLite in `<home>/studio.db`. */
  databaseUrl?: string | undefined;
  /** Where files live (object storage); default the studio folder itself. */
  blobs?: BlobBackend | undefined;
}

/** Open the store of a studio folder; files always live under `home`, records where `opts` says. */
export function openStore(home: string, opts: StoreOptions = {}): Store {
  const { sql, ready } = opts.databaseUrl ? openPostgres(opts.databaseUrl) : openSqlite(path.join(home, 'studio.db'));
  return storeOver(sql, new BlobStore(home, opts.blobs), ready);
}

/** The repos over one engine (the contract tests build stores this way too). */
export function storeOver(sql: Sql, blobs: BlobStore, ready: Promise<void>): Store {
  return {
    engine: sql.dialect,
    blobs,
    characters: new CharacterRepo(sql),
    films: new FilmRepo(sql),
    scenes: new SceneRepo(sql),
    shots: new ShotRepo(sql),
    media: new MediaRepo(sql),
    jobs: new JobRepo(sql),
    renders: new RenderRepo(sql),
    beds: new BedRepo(sql),
    tasks: new TaskRepo(sql),
    modelCache: new ModelCacheRepo(sql),
    sessions: new SessionRepo(sql),
    changes: new ChangeFeed(sql),
    tx: (fn) => sql.tx(fn),
    ready: () => ready,
    get closed() {
      return sql.closed;
    },
    close: () => sql.close(),
  };
}

function openSqlite(file: string): { sql: Sql; ready: Promise<void> } {
  const sql = new SqliteSql(file);
  return { sql, ready: sql.whenReady() };
}

function openPostgres(url: string): { sql: Sql; ready: Promise<void> } {
  const sql = new PostgresSql(url);
  return { sql, ready: sql.whenReady() };
}
