import { BedRepo } from './beds.js';
import type { BlobBackend } from './blob-backend.js';
import { BlobStore } from './blobs.js';
import { CharacterRepo } from './characters.js';
import { openDatabase, type Db } from './db.js';
import { FilmRepo, SceneRepo } from './films.js';
import { JobRepo } from './jobs.js';
import { MediaRepo } from './media.js';
import { RenderRepo } from './renders.js';
import { ShotRepo } from './shots.js';

/** The studio's records and files. Services use this; tools never touch SQL. */
export interface Store {
  db: Db;
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
  /** Run `fn` in one transaction (BEGIN IMMEDIATE, so concurrent processes serialise instead of failing). */
  tx<T>(fn: () => T): T;
  close(): void;
}

/** `blobs`: where files live (object storage); default the studio folder itself. */
export function openStore(home: string, opts: { blobs?: BlobBackend } = {}): Store {
  const db = openDatabase(home);
  return {
    db,
    blobs: new BlobStore(home, opts.blobs),
    characters: new CharacterRepo(db),
    films: new FilmRepo(db),
    scenes: new SceneRepo(db),
    shots: new ShotRepo(db),
    media: new MediaRepo(db),
    jobs: new JobRepo(db),
    renders: new RenderRepo(db),
    beds: new BedRepo(db),
    tx: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    close: () => db.close(),
  };
}
