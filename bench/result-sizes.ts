import type { CallToolResult, Client } from '@modelcontextprotocol/client';

/**
 * What tool results cost an agent's context: the bytes of every tool result a client receives (its `content` and
 * its `structuredContent`), over the offline film an agent makes with the local models. Shared by the results bench
 * and its test so that the figures in BENCHMARKS.md and the asserted limits come from the same calls.
 */

type Json = Record<string, unknown>;

/** The size of one tool result as the client receives it. */
export interface CallSize {
  tool: string;
  /** Everything: `content` (text and resource links) plus `structuredContent`, as JSON. */
  bytes: number;
  /** The text content items only, and their text. */
  text_bytes: number;
  text: string;
  structured_bytes: number;
  /** The structured result itself, for callers that need an id from it. */
  structured: Json;
}

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

export function sizeOf(tool: string, r: CallToolResult): CallSize {
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  const structured = (r.structuredContent ?? {}) as Json;
  return {
    tool,
    bytes: utf8(JSON.stringify({ content: r.content, ...(r.structuredContent ? { structuredContent: r.structuredContent } : {}) })),
    text_bytes: utf8(text),
    text,
    structured_bytes: r.structuredContent ? utf8(JSON.stringify(r.structuredContent)) : 0,
    structured,
  };
}

/** A client call that records the size of its result and fails loudly on a tool error. */
export function measuringCaller(client: Client, sizes: CallSize[]): (name: string, args?: Json) => Promise<Json> {
  return async (name, args = {}) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
    const s = sizeOf(name, r);
    sizes.push(s);
    return s.structured;
  };
}

const id = (o: Json, key: string, field: string): string => String((o[key] as Json)[field]);

/**
 * The offline film as an agent made it in the trial: 33 calls on the local models — reference images, characters,
 * a film of three scenes of two shots, six takes (one continuing from the previous shot's last frame), a look at a
 * job, two lines of dialogue (one lip-synced), a storyboard, a retake and a choice between takes, a look at a scene,
 * the scenes and the film rendered. The library and job lists are measured on their own (they grow with the
 * library). Uses only arguments every version of the studio accepts, so the same calls measure the results before
 * and after a change.
 */
export async function offlineFilmCalls(client: Client): Promise<CallSize[]> {
  const sizes: CallSize[] = [];
  const call = measuringCaller(client, sizes);

  const maraRef = await call('image_generate', { model: 'local/still', prompt: 'Mara, a lighthouse keeper with a red scarf, portrait', aspect_ratio: '1:1' });
  const tomRef = await call('image_generate', { model: 'local/still', prompt: 'Tom, a young fisherman in a yellow coat, portrait', aspect_ratio: '1:1' });
  const mara = id(
    await call('character_create', { name: 'Mara', reference_images: [maraRef.media_id], voice_id: 'mara-warm', style_tokens: 'moody seaside light' }),
    'character',
    'character_id',
  );
  const tom = id(
    await call('character_create', { name: 'Tom', reference_images: [tomRef.media_id], voice_id: 'tom-bright', style_tokens: 'grey morning' }),
    'character',
    'character_id',
  );
  const film = id(await call('film_create', { title: 'The Lighthouse', settings: { width: 854, height: 480, fps: 24 } }), 'film', 'film_id');
  const scenes: string[] = [];
  for (const title of ['Night watch', 'Morning', 'The return']) scenes.push(id(await call('scene_create', { film_id: film, title }), 'scene', 'scene_id'));
  const [s1, s2, s3] = scenes as [string, string, string];
  const shot = async (scene: string, prompt: string, character: string, transition?: Json): Promise<string> =>
    id(
      await call('shot_create', {
        scene_id: scene,
        prompt,
        character_id: character,
        model: 'local/animatic',
        duration: 2,
        ...(transition ? { transition } : {}),
      }),
      'shot',
      'shot_id',
    );
  const a1 = await shot(s1, 'Mara climbs the spiral stairs with a lantern', mara);
  const a2 = await shot(s1, 'Mara reaches the lamp room and looks out to sea', mara);
  const b1 = await shot(s2, 'Tom drags his boat onto the beach', tom);
  const b2 = await shot(s2, 'Tom waves up at the lighthouse', tom, { type: 'crossfade', duration: 0.5 });
  const c1 = await shot(s3, 'Mara walks down to the harbour', mara);
  const c2 = await shot(s3, 'Tom ties up his boat and smiles', tom);

  const first = await call('video_generate', { shot_id: a1 });
  await call('job_get', { job_id: first.job_id });
  await call('video_generate', { shot_id: a2, use_last_frame: true });
  await call('video_generate', { shot_id: b1 });
  await call('video_generate', { shot_id: b2 });
  await call('video_generate', { shot_id: c1 });
  await call('video_generate', { shot_id: c2 });
  await call('voice_tts', { shot_id: b2, character_id: tom, text: 'Mara! The light kept me home again.' });
  await call('lipsync_video', { shot_id: b2 });
  await call('voice_tts', { shot_id: c1, character_id: mara, text: 'You are late, Tom.' });
  await call('extract_frames', { scene_id: s1 });
  await call('video_generate', { shot_id: a1 });
  await call('shot_select_take', { shot_id: a1, take_number: 1 });
  await call('scene_get', { scene_id: s2 });
  for (const s of scenes) await call('render_scene', { scene_id: s });
  await call('render_film', { film_id: film });
  await call('film_get', { film_id: film });
  return sizes;
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
