import fs from 'node:fs';
import path from 'node:path';
import type { BlobBackend } from './blob-backend.js';
import { type BlobFile, copyBlob, listBlobs } from './migrate-blobs.js';
import {
  copyTable,
  countRows,
  finishMigrationRecord,
  type MigrationRecord,
  readMigrationRecord,
  STUDIO_TABLES,
  startMigrationRecord,
  type StudioTable,
} from './migrate-rows.js';
import { PostgresSql } from './postgres.js';
import type { Sql } from './sql.js';
import { SqliteSql } from './sqlite.js';

/** Files copied at once. */
const BLOB_CONCURRENCY = 4;

export interface MigrateOptions {
  /** The embedded studio's folder (its studio.db and files). */
  from: string;
  /** The target Postgres (`postgres://…`); its schema is made by the store's own migrations. */
  databaseUrl: string;
  /** Where the files go (an S3 bucket); undefined: they stay in `from`, which the migrated studio keeps using. */
  blobs?: BlobBackend | undefined;
  /** After each file (progress lines). */
  onBlob?: (done: number, total: number) => void;
}

export interface MigrateSummary {
  source: string;
  rows: Record<StudioTable, number>;
  blobs: { copied: number; skipped: number; verified: number; bytes: number };
  /** Files media rows name that the source folder does not have (copied as rows; the studio reports them missing). */
  missing: string[];
  /** True when this run continued an interrupted one of the same source. */
  resumed: boolean;
  /** When a run of this source had already finished: nothing was copied and `rows` are the target's. */
  finishedBefore?: string;
  seconds: number;
}

/** A target that is not this source's to fill; the message names what is there. */
export class MigrationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationRefused';
  }
}

/**
 * Copy an embedded studio into Postgres (and its files into `blobs`): claim the target for this source (refusing
 * one that holds another studio), copy and verify every file, then every row, then mark the copy finished. Every
 * step skips what a previous run of the same source already did, so a re-run after an interruption ends the same;
 * a re-run after it finished copies nothing.
 * The source is only read (opening it brings its schema to the current version, as any studio process would).
 */
export async function migrateStudio(opts: MigrateOptions): Promise<MigrateSummary> {
  const started = performance.now();
  const source = path.resolve(opts.from);
  if (!fs.existsSync(path.join(source, 'studio.db'))) throw new MigrationRefused(`no studio at ${source} (it has no studio.db); --from names a studio folder`);
  const from = new SqliteSql(path.join(source, 'studio.db'));
  const to = new PostgresSql(opts.databaseUrl, { max: 2 });
  try {
    await Promise.all([from.whenReady(), to.whenReady()]);
    const claim = await claimTarget(to, source);
    if (claim?.finished_at) {
      // Finished before: the target may be in use since, and copying again would bring back rows deleted there.
      const rows = await countRows(to);
      const blobs = { copied: 0, skipped: 0, verified: 0, bytes: 0 };
      return { source, rows, blobs, missing: [], resumed: false, finishedBefore: claim.finished_at, seconds: (performance.now() - started) / 1000 };
    }
    const resumed = claim !== undefined;
    const expect = new Map((await from.all<{ file_path: string; sha256: string }>(`SELECT file_path, sha256 FROM media`)).map((m) => [m.file_path, m.sha256]));
    const files = listBlobs(source);
    const keys = new Set(files.map((f) => f.key));
    const missing = [...expect.keys()].filter((k) => !keys.has(k)).sort();
    const blobs = await copyBlobs(files, expect, opts);
    for (const t of STUDIO_TABLES) await copyTable(from, to, t);
    const rows = await countRows(from);
    const copied = await countRows(to);
    const off = STUDIO_TABLES.filter((t) => copied[t] !== rows[t]);
    if (off.length) throw new Error(`after the copy the target's row counts differ: ${off.map((t) => `${t} ${copied[t]} (source ${rows[t]})`).join(', ')}`);
    await finishMigrationRecord(to);
    return { source, rows, blobs, missing, resumed, seconds: (performance.now() - started) / 1000 };
  } finally {
    await Promise.allSettled([from.close(), to.close()]);
  }
}

/** Every file, a few at once (each is three round trips on S3); after a failure no new one starts, those under way end. */
async function copyBlobs(files: BlobFile[], expect: ReadonlyMap<string, string>, opts: MigrateOptions): Promise<MigrateSummary['blobs']> {
  const blobs = { copied: 0, skipped: 0, verified: 0, bytes: 0 };
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < files.length) {
      const f = files[next++] as BlobFile;
      try {
        const r = await copyBlob(f, expect, opts.blobs);
        blobs[r.status]++;
        if (r.status !== 'skipped') blobs.bytes += r.bytes;
        opts.onBlob?.(++done, files.length);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(BLOB_CONCURRENCY, files.length) }, worker));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return blobs;
}

/**
 * Take the target for `source`: empty, or claimed by this very source before. Returns the earlier claim, if any
 * (undefined: claimed now).
 */
async function claimTarget(to: Sql, source: string): Promise<MigrationRecord | undefined> {
  const record = await readMigrationRecord(to);
  if (record && record.source !== source) {
    throw new MigrationRefused(
      `the target database holds a copy of another studio (${record.source}, started ` +
        `${record.started_at}${record.finished_at ? `, finished ${record.finished_at}` : ', unfinished'}); ` +
        'refusing to mix two studios: use an empty database',
    );
  }
  if (!record) {
    const counts = await countRows(to);
    const present = STUDIO_TABLES.filter((t) => counts[t] > 0);
    if (present.length) {
      throw new MigrationRefused(
        `the target database already holds a studio (${present.map((t) => `${t}: ${counts[t]}`).join(', ')}) that no migration of ${source} made; ` +
          'refusing to overwrite it: use an empty database',
      );
    }
    await startMigrationRecord(to, source);
    // Two runs racing for one empty target: the first claim stands, the other is refused by the check above.
    const claimed = await readMigrationRecord(to);
    if (claimed?.source !== source) return claimTarget(to, source);
  }
  return record;
}
