import { randomBytes } from 'node:crypto';

/** Ids carry a kind prefix so an agent (and a person reading logs) can tell a media id from a shot id. */
export type IdKind = 'chr' | 'flm' | 'scn' | 'sht' | 'tk' | 'aud' | 'med' | 'job' | 'rnd' | 'bed';

export function newId(kind: IdKind): string {
  return `${kind}_${randomBytes(8).toString('hex')}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
