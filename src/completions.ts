import type { CompleteRequestParams, CompleteResult } from '@modelcontextprotocol/server';
import { PROMPTS } from './prompts/index.js';
import { RESOURCE_TEMPLATES } from './resources/studio-resources.js';
import type { Studio } from './studio/studio.js';

/** The spec caps `completion.values` at 100 items; `total` and `hasMore` say how many more matched. */
export const MAX_COMPLETIONS = 100;

/** A candidate value of an argument and the words a user may type to find it besides the value itself. */
interface Candidate {
  value: string;
  label?: string | null;
}

type Source = (studio: Studio, context: Record<string, string>) => Candidate[] | Promise<Candidate[]>;

/**
 * Where the values of each argument come from. Prompt arguments and resource template variables use the same names
 * for the same things (scene_id in shoot_scene and in studio://scenes/{scene_id}), so one table serves both. Media
 * and jobs offer the newest ones: an id typed by hand is almost always a recent one.
 */
const SOURCES: Record<string, Source> = {
  character_id: async (s) => (await s.store.characters.list()).map((c) => ({ value: c.character_id, label: c.name })),
  film_id: async (s) => (await s.store.films.list()).map((f) => ({ value: f.film_id, label: f.title })),
  // With a film (or, for shots, a scene) already chosen, only its scenes (shots).
  scene_id: async (s, ctx) => (await s.store.scenes.list(ctx.film_id || undefined)).map((c) => ({ value: c.scene_id, label: c.title })),
  shot_id: async (s, ctx) => {
    const scenes = ctx.scene_id ? [ctx.scene_id] : (await s.store.scenes.list()).map((scene) => scene.scene_id);
    const out: Candidate[] = [];
    for (const id of scenes) for (const shot of await s.store.shots.listByScene(id)) out.push({ value: shot.shot_id, label: shot.title });
    return out;
  },
  // Every item, not the newest page: an older id must still complete, and total/hasMore must count them all. Frame
  // images (a clip's first/last frames, extracted frames) are left out: they would bury what was made.
  media_id: async (s) => (await s.store.media.list({ frames: false, limit: Number.MAX_SAFE_INTEGER })).map((m) => ({ value: m.media_id })),
  job_id: async (s) => (await s.store.jobs.list({ limit: Number.MAX_SAFE_INTEGER })).map((j) => ({ value: j.job_id })),
  // studio://models/{provider}/{model}: providers, then the models of the provider already chosen.
  provider: (s) => [...new Set(s.registry.list().map((c) => c.id.split('/')[0] ?? ''))].map((p) => ({ value: p })),
  model: (s, ctx) => {
    const prefix = ctx.provider ? `${ctx.provider}/` : '';
    return s.registry
      .list()
      .filter((c) => c.id.startsWith(prefix))
      .map((c) => ({ value: prefix ? c.id.slice(prefix.length) : c.id, label: c.title }));
  },
};

/** The argument names a reference takes: a prompt's arguments, or a resource template's `{variables}`. */
function argumentsOf(ref: CompleteRequestParams['ref']): string[] {
  if (ref.type === 'ref/prompt') return PROMPTS.find((p) => p.name === ref.name)?.arguments.map((a) => a.name) ?? [];
  const template = RESOURCE_TEMPLATES.find((t) => t.uriTemplate === ref.uri);
  return template ? [...template.uriTemplate.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '') : [];
}

/**
 * `completion/complete`: the values of an argument that start with what was typed (or whose name or title contains
 * it, ignoring case), in the studio's own order. A prompt, template or argument this server does not have gets no
 * values rather than an error: completion is a hint while typing, and the request that follows is where a wrong name
 * is refused with a message naming it. Free-text arguments (a logline, a style, a line of dialogue) get none either.
 */
export async function complete(studio: Studio, params: CompleteRequestParams): Promise<CompleteResult> {
  const { name, value } = params.argument;
  const source = argumentsOf(params.ref).includes(name) ? SOURCES[name] : undefined;
  if (!source) return { completion: { values: [], total: 0, hasMore: false } };
  const typed = value.toLowerCase();
  const matches = (await source(studio, params.context?.arguments ?? {}))
    .filter((c) => c.value.toLowerCase().startsWith(typed) || (typed !== '' && (c.label ?? '').toLowerCase().includes(typed)))
    .map((c) => c.value);
  const values = [...new Set(matches)];
  return { completion: { values: values.slice(0, MAX_COMPLETIONS), total: values.length, hasMore: values.length > MAX_COMPLETIONS } };
}
