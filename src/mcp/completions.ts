import { PROMPTS } from '../prompts/index.js';
import { RESOURCE_TEMPLATES } from '../resources/studio-resources.js';
import type { Studio } from '../studio/studio.js';

/**
 * `completion/complete` (issue 10 part 7): suggestions for prompt arguments and resource template variables, so a
 * client can offer the studio's real ids while the user types. Ids match by prefix of the id or of the item's
 * name or title (case-insensitive). Studio records come most recent first (what was just made is what one wants
 * next); providers and models come in alphabetical order. At most 100 values, with the total count.
 */

export type CompletionRef = { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };

/** A type, not an interface, so it is assignable to the SDK's open result object. */
export type CompletionValues = {
  values: string[];
  total: number;
  hasMore: boolean;
};

export interface CompletionContext {
  /** Arguments the client already filled in (for a template: its other variables). */
  arguments?: Record<string, string>;
}

/** The protocol's cap on values per answer. */
export const MAX_COMPLETIONS = 100;

const NONE: CompletionValues = { values: [], total: 0, hasMore: false };

/** One suggestable record: its id, what else it may be typed as, and when it was made. */
interface Candidate {
  id: string;
  names: (string | null)[];
  at: string;
}

/**
 * Suggestions for `argumentName` of `ref` starting with `value`. An unknown prompt, template or argument, and a
 * free-text argument (a logline, a line of dialogue), get no suggestions rather than an error: clients ask as the
 * user types and must not be shown failures for it.
 */
export function complete(studio: Studio, ref: CompletionRef, argumentName: string, value: string, context: CompletionContext = {}): CompletionValues {
  if (!takes(ref, argumentName)) return NONE;
  const given = context.arguments ?? {};
  const prefix = value.toLowerCase();
  switch (argumentName) {
    case 'provider':
      return cap(alphabetical(providers(studio).filter((p) => p.toLowerCase().startsWith(prefix))));
    case 'model':
      return cap(alphabetical(modelNames(studio, given.provider).filter((m) => m.toLowerCase().startsWith(prefix))));
    default: {
      const candidates = records(studio, argumentName, given);
      if (!candidates) return NONE;
      const matching = candidates.filter((c) => [c.id, ...c.names].some((n) => n?.toLowerCase().startsWith(prefix)));
      matching.sort((a, b) => (a.at === b.at ? a.id.localeCompare(b.id) : a.at < b.at ? 1 : -1));
      return cap(matching.map((c) => c.id));
    }
  }
}

/** Whether the prompt or template has this argument. */
function takes(ref: CompletionRef, argumentName: string): boolean {
  if (ref.type === 'ref/prompt') return PROMPTS.find((p) => p.name === ref.name)?.arguments.some((a) => a.name === argumentName) ?? false;
  const template = RESOURCE_TEMPLATES.find((t) => t.uriTemplate === ref.uri);
  return template?.uriTemplate.includes(`{${argumentName}}`) ?? false;
}

/** The studio records an id argument names; undefined for an argument that is not an id. */
function records(studio: Studio, argumentName: string, given: Record<string, string>): Candidate[] | undefined {
  const { store } = studio;
  switch (argumentName) {
    case 'character_id':
      return store.characters.list().map((c) => ({ id: c.character_id, names: [c.name], at: c.created_at }));
    case 'film_id':
      return store.films.list().map((f) => ({ id: f.film_id, names: [f.title], at: f.created_at }));
    case 'scene_id':
      return store.scenes.list(given.film_id || undefined).map((s) => ({ id: s.scene_id, names: [s.title], at: s.created_at }));
    case 'shot_id': {
      // With a scene already chosen, only its shots.
      const scenes = given.scene_id ? [given.scene_id] : store.scenes.list().map((s) => s.scene_id);
      return scenes.flatMap((id) => store.shots.listByScene(id)).map((s) => ({ id: s.shot_id, names: [s.title], at: s.created_at }));
    }
    case 'media_id':
      // Frame images (first/last frames, extracted frames) would bury what was made; they are reached from their clip.
      return store.media
        .all()
        .filter((m) => m.origin !== 'frame')
        .map((m) => ({ id: m.media_id, names: [], at: m.timestamp }));
    case 'job_id':
      return store.jobs.list({ limit: 100_000 }).map((j) => ({ id: j.job_id, names: [], at: j.created_at }));
    default:
      return undefined;
  }
}

function providers(studio: Studio): string[] {
  return [...new Set(studio.registry.list().map((c) => c.provider))];
}

/** The `{model}` part of `studio://models/{provider}/{model}`: the id after its provider, of one provider when given. */
function modelNames(studio: Studio, provider: string | undefined): string[] {
  const ids = studio.registry.list().filter((c) => !provider || c.provider === provider);
  return [...new Set(ids.map((c) => c.id.slice(c.provider.length + 1)))];
}

function alphabetical(values: string[]): string[] {
  return [...values].sort((a, b) => a.localeCompare(b));
}

function cap(values: string[]): CompletionValues {
  return { values: values.slice(0, MAX_COMPLETIONS), total: values.length, hasMore: values.length > MAX_COMPLETIONS };
}
