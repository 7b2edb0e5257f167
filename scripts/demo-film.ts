/** What the demo needs of an MCP client: SDK 2.x and 1.x clients (either protocol era) both fit. */
export interface ToolCallingClient {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
}

interface CallToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: unknown;
}

/**
 * The offline demo film, written as an MCP client would drive the studio. Used by `npm run demo` (over stdio, against
 * the built server) and by the end-to-end test (over the in-memory transport), so both exercise the same workflow.
 */
export interface DemoFilm {
  film_id: string;
  film_media_id: string;
  film_path: string;
  film_duration: number;
  scene_ids: string[];
  shot_ids: string[];
  /** The shot that continues from the previous shot's last frame, and that previous shot. */
  continued: { from_shot_id: string; to_shot_id: string };
  lipsynced_shot_id: string;
  scene_renders: { scene_id: string; media_id: string; duration: number }[];
}

type Json = Record<string, unknown>;

export async function makeDemoFilm(client: ToolCallingClient, log: (line: string) => void = () => undefined): Promise<DemoFilm> {
  let step = 0;
  const call = async (name: string, args: Json): Promise<Json> => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
    return r.structuredContent as Json;
  };
  const say = (line: string): void => log(`[${String(++step).padStart(2, '0')}] ${line}`);

  say('character reference images (local/still)');
  const maraRef = await call('image_generate', { model: 'local/still', prompt: 'Mara, a lighthouse keeper with a red scarf, portrait', aspect_ratio: '1:1' });
  const tomRef = await call('image_generate', { model: 'local/still', prompt: 'Tom, a young fisherman in a yellow coat, portrait', aspect_ratio: '1:1' });

  say('characters');
  const mara = (await call('character_create', {
    name: 'Mara',
    reference_images: [maraRef.media_id],
    voice_id: 'mara-warm',
    style_tokens: 'moody seaside light',
  })) as { character: { character_id: string } };
  const tom = (await call('character_create', { name: 'Tom', reference_images: [tomRef.media_id], voice_id: 'tom-bright', style_tokens: 'grey morning' })) as {
    character: { character_id: string };
  };
  const maraId = mara.character.character_id;
  const tomId = tom.character.character_id;

  say('film, two scenes');
  const film = (await call('film_create', { title: 'The Lighthouse', settings: { width: 854, height: 480, fps: 24 } })) as { film: { film_id: string } };
  const filmId = film.film.film_id;
  const s1 = ((await call('scene_create', { film_id: filmId, title: 'Night watch' })) as { scene: { scene_id: string } }).scene.scene_id;
  const s2 = ((await call('scene_create', { film_id: filmId, title: 'Morning' })) as { scene: { scene_id: string } }).scene.scene_id;

  const shot = async (scene: string, prompt: string, character: string, duration: number, transition?: Json): Promise<string> =>
    (
      (await call('shot_create', {
        scene_id: scene,
        prompt,
        character_id: character,
        model: 'local/animatic',
        duration,
        ...(transition ? { transition } : {}),
      })) as { shot: { shot_id: string } }
    ).shot.shot_id;
  const a1 = await shot(s1, 'Mara climbs the spiral stairs with a lantern', maraId, 2);
  const a2 = await shot(s1, 'Mara reaches the lamp room and looks out to sea', maraId, 2);
  const b1 = await shot(s2, 'Tom drags his boat onto the beach', tomId, 2);
  const b2 = await shot(s2, 'Tom waves up at the lighthouse', tomId, 4, { type: 'crossfade', duration: 0.5 });

  say('scene 1, shot 1');
  await call('video_generate', { shot_id: a1 });
  say("scene 1, shot 2 continues from shot 1's last frame");
  await call('video_generate', { shot_id: a2, use_last_frame: true });
  say('scene 2, shots 1 and 2');
  await call('video_generate', { shot_id: b1 });
  await call('video_generate', { shot_id: b2 });

  say('a line of dialogue for Tom, lip-synced onto his shot');
  await call('voice_tts', { shot_id: b2, character_id: tomId, text: 'Mara! The light kept me home again.', offset_seconds: 0.5 });
  await call('lipsync_video', { shot_id: b2 });

  say('a music bed under the whole film (it ducks under the line) and a wave effect in scene 2');
  const music = await call('music_generate', { model: 'local/music', prompt: 'quiet sea, night, strings', duration: 12 });
  await call('film_add_audio', { film_id: filmId, media_id: music.media_id, role: 'music', gain_db: -14, fade_in: 1, fade_out: 2, loop: true });
  const wave = await call('sfx_generate', { model: 'local/sfx', prompt: 'a wave breaks on the shingle', duration: 1.5 });
  await call('scene_add_audio', { scene_id: s2, media_id: wave.media_id, role: 'sfx', offset_seconds: 0.5, gain_db: -10 });

  say('render both scenes');
  const r1 = await call('render_scene', { scene_id: s1 });
  const r2 = await call('render_scene', { scene_id: s2 });
  say('render the film');
  const f = await call('render_film', { film_id: filmId });
  log(`film: ${String(f.file_path)} (${Number(f.duration).toFixed(2)} s)`);
  // What the render check found (black or frozen picture, silent lines, loudness, stale cuts): nothing, here.
  const qc = f.qc as { ok?: boolean; findings?: { severity: string; message: string }[]; integrated_lufs?: number | null } | undefined;
  if (qc) {
    log(`check: ${qc.ok ? 'ok' : 'problems'}, ${qc.findings?.length ?? 0} finding(s), ${qc.integrated_lufs ?? '?'} LUFS`);
    for (const x of qc.findings ?? []) log(`  ${x.severity}: ${x.message}`);
  }
  say('subtitles of the film');
  const subs = (await call('subtitles_export', { film_id: filmId, format: 'both', speaker_names: true })) as { cues?: number; files?: { path: string }[] };
  log(`subtitles: ${subs.cues ?? 0} cue(s): ${(subs.files ?? []).map((x) => x.path).join(', ')}`);

  return {
    film_id: filmId,
    film_media_id: String(f.media_id),
    film_path: String(f.file_path),
    film_duration: Number(f.duration),
    scene_ids: [s1, s2],
    shot_ids: [a1, a2, b1, b2],
    continued: { from_shot_id: a1, to_shot_id: a2 },
    lipsynced_shot_id: b2,
    scene_renders: [
      { scene_id: s1, media_id: String(r1.media_id), duration: Number(r1.duration) },
      { scene_id: s2, media_id: String(r2.media_id), duration: Number(r2.duration) },
    ],
  };
}
