import type { JobStatus } from '../store/jobs.js';

/**
 * The text content of a successful tool result. The result itself travels as `structuredContent`; repeating it as
 * JSON text doubled every result in the agent's context, so the text is one line that names what happened: the
 * status, the ids (a client that reads only `content` still learns the media, job, shot… it needs), the main
 * facts of a media item, list counts and the cursor, and every warning word for word (on a second line).
 */

type Json = Record<string, unknown>;

/** A generation's status leads its line; other `status` fields (a model's release status) are one word among others. */
const JOB_STATUSES: ReadonlySet<string> = new Set<JobStatus>(['queued', 'submitting', 'running', 'downloading', 'succeeded', 'failed', 'canceled']);

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const isId = (k: string, v: unknown): v is string => typeof v === 'string' && (k.endsWith('_id') || k === 'deleted' || k === 'removed');

/** Scalars worth a word in the line besides ids (everything else stays in structuredContent only). */
const WORDS = ['model', 'tool', 'offered', 'bridged', 'fallback', 'reused', 'available'] as const;
/** Keys folded into another part of the line or left to structuredContent. */
const FOLDED = new Set([
  'status',
  'warnings',
  'message',
  'next_cursor',
  'type',
  'duration',
  'width',
  'height',
  'take_number',
  'media_ids',
  'progress',
  ...WORDS,
]);

function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** "video med_… (2 s, 854x480)": a media item's kind, id, length and size, as far as they are known. */
function mediaPhrase(o: Json, id: string): string {
  const facts: string[] = [];
  if (typeof o.duration === 'number') facts.push(`${num(o.duration)} s`);
  if (typeof o.width === 'number' && typeof o.height === 'number') facts.push(`${o.width}x${o.height}`);
  return `${typeof o.type === 'string' ? o.type : 'media'} ${id}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

/** The ids of an object, the media and its take first: `video med_… (2 s)`, `take 2 of shot sht_…`, `job job_…`. */
function idPhrases(o: Json): string[] {
  const rank = (k: string): number => (k === 'media_id' ? 0 : k === 'shot_id' ? 1 : k === 'job_id' ? 2 : 3);
  const out: string[] = [];
  for (const [k, v] of Object.entries(o).sort(([a], [b]) => rank(a) - rank(b))) {
    if (FOLDED.has(k) || !isId(k, v)) continue;
    if (k === 'media_id') out.push(mediaPhrase(o, v));
    else if (k === 'shot_id' && typeof o.take_number === 'number') out.push(`take ${o.take_number} of shot ${v}`);
    else out.push(`${k.endsWith('_id') ? k.slice(0, -3) : k} ${v}`);
  }
  return out;
}

/** A nested record (`{character: {...}}`, `{job: {...}}`): its kind, its own id and its name or status. */
function recordPhrase(key: string, o: Json): { id: string; text: string } | undefined {
  const own = o[`${key}_id`] ?? o.media_id ?? o.job_id;
  if (typeof own !== 'string') return undefined;
  const name = typeof o.name === 'string' ? o.name : typeof o.title === 'string' ? o.title : undefined;
  const head = key === 'media' ? mediaPhrase(o, own) : `${key} ${own}`;
  const status = typeof o.status === 'string' ? ` ${o.status}` : '';
  const progress = o.done === false && typeof o.progress === 'number' ? ` ${Math.round(o.progress * 100)}%` : '';
  // A finished job names what it made, so job_wait's line is as useful as the generation's.
  const made = isObject(o.result) && Array.isArray(o.result.media_ids) && o.result.media_ids.length ? ` → media ${o.result.media_ids.join(', ')}` : '';
  const err = isObject(o.error) && typeof o.error.message === 'string' ? ` (${String(o.error.code)}: ${o.error.message})` : '';
  return { id: own, text: `${head}${name ? ` "${name}"` : ''}${status}${progress}${made}${err}` };
}

/** Warnings of the result and of a nested job or record, each once. */
function warningsOf(result: Json): string[] {
  const all: string[] = [];
  const add = (w: unknown): void => {
    if (Array.isArray(w)) for (const x of w) if (typeof x === 'string' && !all.includes(x)) all.push(x);
  };
  add(result.warnings);
  for (const v of Object.values(result)) if (isObject(v)) add(v.warnings);
  return all;
}

export function summarize(tool: string, result: Json): string {
  const records: { id: string; text: string }[] = [];
  const counts: string[] = [];
  const empty: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    if (isObject(v)) {
      const p = recordPhrase(k, v);
      if (p) records.push(p);
    } else if (Array.isArray(v) && k !== 'warnings' && k !== 'media_ids') {
      (v.length ? counts : empty).push(`${v.length} ${k}`);
    }
  }
  // An id the result names beside its record (media_import: media_id and media) is said once, by the record.
  const shown = new Set(records.map((r) => r.id));
  const ids = idPhrases(Object.fromEntries(Object.entries(result).filter(([k, v]) => !(k.endsWith('_id') && typeof v === 'string' && shown.has(v)))));
  const parts = [...ids, ...records.map((r) => r.text), ...counts];
  for (const k of WORDS) if (result[k] !== undefined && result[k] !== null && typeof result[k] !== 'object') parts.push(`${k} ${String(result[k])}`);
  if (typeof result.message === 'string') parts.push(result.message);
  if (typeof result.next_cursor === 'string') parts.push(`more: next_cursor ${result.next_cursor}`);

  // The client knows which tool it called; a result with a status (generations) leads with it.
  const jobStatus = typeof result.status === 'string' && JOB_STATUSES.has(result.status) ? result.status : undefined;
  if (!jobStatus && typeof result.status === 'string') parts.push(`status ${result.status}`);
  const progress = typeof result.progress === 'number' && jobStatus !== 'succeeded' ? ` ${Math.round(result.progress * 100)}%` : '';
  // An empty list is news only when it is the whole answer ("0 media"), not beside a model's other fields.
  const body = parts.join('; ') || empty.join('; ') || `${tool}: done`;
  const line = jobStatus ? `${jobStatus}${progress}: ${body}` : body;
  const warnings = warningsOf(result);
  if (!warnings.length) return line;
  return `${line}\n${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings.join(' | ')}`;
}
