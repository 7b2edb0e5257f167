import type { Studio } from '../../../src/studio/studio.js';
import { HOSTILE_LINE, HOSTILE_NAME, HOSTILE_PROMPT, HOSTILE_TITLE } from './payloads.js';

type Call = (name: string, args?: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface BoardFixture {
  film_id: string;
  /** The 12-shot scene, rendered. */
  scene_id: string;
  shot_ids: string[];
  /** Shot 1 has two takes; take 2 is current. */
  two_take_shot_id: string;
  /** A library video no shot uses yet: another client adds it as a take while the view is open. */
  spare_video_id: string;
  /** A second one, for the second view (App, then page). */
  spare_video_id_2: string;
  hostile_scene_id: string;
  hostile_shot_id: string;
}

/** The animatic's smallest picture: the tests look at frames and playback, not at resolution. */
const SMALL = { resolution: '360p' };

const PROMPTS = [
  'Mara climbs the spiral stairs with a lantern',
  'Mara reaches the lamp room and looks out to sea',
  'The lamp turns; its beam sweeps the dark water',
  'A small boat fights the swell below the rocks',
  'Mara rings the bell, rain on her face',
  'Tom looks up from the boat at the light',
  'A wave breaks over the breakwater',
  'Mara lowers a rope ladder',
  'Tom climbs, the ladder swinging',
  'Their hands meet at the rail',
  'Inside, the kettle boils on the stove',
  'Dawn: the lamp goes out',
];

/**
 * A demo-like film for the browser tests, made through the tools as an agent would (offline models): a 12-shot scene
 * with a continuing cut, two takes on the first shot, a line of dialogue and a render; plus a scene whose title,
 * shot, character and line carry hostile text (the 10,000-character prompt is set through the studio, as a plan or
 * an import could, since the tool caps prompts at 4,000).
 */
export async function makeBoardFixture(call: Call, studio: Studio): Promise<BoardFixture> {
  const mara = ((await call('character_create', { name: 'Mara', voice_id: 'mara-warm' })) as { character: { character_id: string } }).character.character_id;
  const film = ((await call('film_create', { title: 'The Lighthouse', settings: { width: 640, height: 360, fps: 24 } })) as { film: { film_id: string } }).film
    .film_id;
  const scene = ((await call('scene_create', { film_id: film, title: 'Night watch' })) as { scene: { scene_id: string } }).scene.scene_id;
  const shotIds: string[] = [];
  for (const [i, prompt] of PROMPTS.entries()) {
    const r = (await call('shot_create', {
      scene_id: scene,
      title: `Beat ${i + 1}`,
      prompt,
      character_id: i % 3 === 0 ? mara : null,
      model: 'local/animatic',
      duration: 1,
      params: SMALL,
      ...(i === 1 ? { continues: true } : {}),
    })) as { shot: { shot_id: string } };
    shotIds.push(r.shot.shot_id);
  }
  const villain = ((await call('character_create', { name: HOSTILE_NAME, voice_id: 'x' })) as { character: { character_id: string } }).character.character_id;
  const hostileScene = ((await call('scene_create', { film_id: film, title: HOSTILE_TITLE })) as { scene: { scene_id: string } }).scene.scene_id;
  const hostileShot = (
    (await call('shot_create', {
      scene_id: hostileScene,
      title: HOSTILE_TITLE,
      prompt: 'placeholder',
      character_id: villain,
      model: 'local/animatic',
      duration: 1,
      params: SMALL,
    })) as { shot: { shot_id: string } }
  ).shot.shot_id;

  // Shot 2 continues from shot 1's last frame, so it waits for shot 1; the rest run together (the queue paces them).
  const [first, second, ...rest] = shotIds as [string, string, ...string[]];
  await call('video_generate', { shot_id: first });
  const spareClip = (prompt: string) => call('video_generate', { model: 'local/animatic', prompt, duration: 1, ...SMALL }).then((r) => r.media_id as string);
  const [spare, spare2] = await Promise.all([
    spareClip('A gull on the rail'),
    spareClip('Fog over the rocks'),
    call('video_generate', { shot_id: second, use_last_frame: true }),
    call('video_generate', { shot_id: first, prompt: 'Mara climbs the stairs, lantern swinging, second try' }),
    call('video_generate', { shot_id: hostileShot }),
    ...rest.map((id) => call('video_generate', { shot_id: id })),
  ]);
  await call('voice_tts', { shot_id: first, character_id: mara, text: 'Another night, another storm.', offset_seconds: 0.1 });
  await call('voice_tts', { shot_id: hostileShot, character_id: villain, text: HOSTILE_LINE });
  await studio.project.updateShot(hostileShot, { prompt: HOSTILE_PROMPT });
  await call('render_scene', { scene_id: scene });
  return {
    film_id: film,
    scene_id: scene,
    shot_ids: shotIds,
    two_take_shot_id: first,
    spare_video_id: spare as string,
    spare_video_id_2: spare2 as string,
    hostile_scene_id: hostileScene,
    hostile_shot_id: hostileShot,
  };
}
