import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/probe.js';
import type { Storyboard, StoryboardShot } from '../../src/storyboard/types.js';
import { type Harness, startHarness, tempDir } from '../helpers/harness.js';

/**
 * The storyboard App's server side through a real MCP client (issue 13): storyboard_show / storyboard_get for a
 * scene and a film, take_approve, the frame resources, the tools' MCP Apps metadata and the view resource.
 */

type Json = Record<string, unknown>;

// Hostile text from agents and imports: it must come back as the same data, byte for byte (views render it as text).
const EVIL_NAME = 'Mara <img src=x onerror="window.__canary=1">';
const EVIL_PROMPT = '</script><script>window.__canary=2</script> a <a href="javascript:alert(1)">door</a> opens';
const EVIL_TITLE = 'Night <svg onload=alert(3)>';
const LONG_LINE = `${'The light is out. '.repeat(277)}end`.slice(0, 5000);

const fast = { resolution: '360p', fps: 12 };

describe('storyboard tools', () => {
  let h: Harness;
  let mara: string;
  let tom: string;
  let film: string;
  let night: string;
  let morning: string;
  let shots: { a: string; b: string; c: string; d: string; e: string };
  const ids: { takeA1: string; takeA2: string } = { takeA1: '', takeA2: '' };

  const show = async (args: Json): Promise<Storyboard> => (await h.call('storyboard_show', args)) as unknown as Storyboard;
  const id = (r: Json, key: string, field: string): string => (r[key] as Json)[field] as string;

  beforeAll(async () => {
    h = await startHarness();
    mara = id(await h.call('character_create', { name: EVIL_NAME, voice_id: 'mara-warm' }), 'character', 'character_id');
    tom = id(await h.call('character_create', { name: 'Tom', voice_id: 'tom-bright' }), 'character', 'character_id');
    film = id(await h.call('film_create', { title: 'Lamp' }), 'film', 'film_id');
    night = id(await h.call('scene_create', { film_id: film, title: EVIL_TITLE }), 'scene', 'scene_id');
    morning = id(await h.call('scene_create', { film_id: film, title: 'Morning' }), 'scene', 'scene_id');
    const shot = async (scene: string, prompt: string, params: Json = fast): Promise<string> =>
      id(await h.call('shot_create', { scene_id: scene, prompt, model: 'local/animatic', duration: 1, params }), 'shot', 'shot_id');
    shots = {
      a: await shot(night, EVIL_PROMPT),
      b: await shot(night, 'Mara turns'),
      c: await shot(night, 'Mara walks on'),
      d: await shot(night, 'The sea'),
      e: await shot(morning, 'Dawn', { resolution: '720p', fps: 12 }),
    };
    await h.call('video_generate', { shot_id: shots.a });
    // b starts on a's last frame, c on b's: both cuts join.
    await h.call('video_generate', { shot_id: shots.b, use_last_frame: true });
    await h.call('video_generate', { shot_id: shots.c, use_last_frame: true });
    await h.call('video_generate', { shot_id: shots.d });
    await h.call('video_generate', { shot_id: shots.e });
    // A second take of a (another card): b no longer starts on what a ends on.
    await h.call('video_generate', { shot_id: shots.a, prompt: 'the door again' });
    const takes = await h.studio.store.shots.takes(shots.a);
    ids.takeA1 = takes[0]?.take_id ?? '';
    ids.takeA2 = takes[1]?.take_id ?? '';
    await h.call('voice_tts', { shot_id: shots.d, character_id: mara, text: 'Where is the boat?', offset_seconds: 0.1 });
    const loose = await h.call('voice_tts', { model: 'local/voice', text: 'Late.', character_id: tom });
    await h.call('shot_add_dialogue', { shot_id: shots.d, audio: loose.media_id, offset_seconds: 0.5, text: LONG_LINE });
  }, 240_000);
  afterAll(async () => h.close());

  it('shows a scene: shots in order, current and approved takes, cuts (one stale, with its mending call), lines with speakers', async () => {
    const approve = await h.call('take_approve', { shot_id: shots.a, take_id: ids.takeA1, approved: true });
    expect(approve).toEqual({ shot_id: shots.a, take_id: ids.takeA1, take_number: 1, approved: true, approved_take_id: ids.takeA1 });
    const sb = await show({ scene_id: night });
    expect(sb).toMatchObject({ kind: 'scene', id: night, title: EVIL_TITLE, render: null, web_url: null, estimated_cost_usd: 0 });
    expect(sb.version).toMatch(/^[0-9a-f]{16}$/);
    expect(sb.scenes.map((s) => [s.scene_id, s.title, s.render])).toEqual([[night, EVIL_TITLE, null]]);
    const list = sb.scenes[0]?.shots ?? [];
    expect(list.map((s) => [s.shot_id, s.position, s.model, s.duration_seconds, s.estimated_cost_usd, s.job])).toEqual([
      [shots.a, 0, 'local/animatic', 1, 0, null],
      [shots.b, 1, 'local/animatic', 1, 0, null],
      [shots.c, 2, 'local/animatic', 1, 0, null],
      [shots.d, 3, 'local/animatic', 1, 0, null],
    ]);
    expect(list.map((s) => s.continuity.state)).toEqual(['first', 'stale', 'ok', 'cut']);
    const b = list[1] as StoryboardShot;
    expect(b.continuity.detail).toContain(`video_generate(shot_id: "${shots.b}", use_last_frame: true)`);
    expect(b.continuity.detail).toContain('starts on an earlier last frame of shot 1');
    expect(list[2]?.continuity.detail).toBe('Starts on the last frame of shot 2.');

    const a = list[0] as StoryboardShot;
    expect(a.prompt).toBe(EVIL_PROMPT);
    expect(a.current_take_id).toBe(ids.takeA2);
    expect(a.approved_take_id).toBe(ids.takeA1);
    expect(a.takes.map((t) => [t.take_id, t.take_number, t.origin, t.current, t.approved, t.lipsync, t.model])).toEqual([
      [ids.takeA1, 1, 'generated', false, true, false, 'local/animatic'],
      [ids.takeA2, 2, 'generated', true, false, false, 'local/animatic'],
    ]);
    const shownMedia = a.takes[1]?.media_id as string;
    expect(a.takes[1]).toMatchObject({ uri: `studio://media/${shownMedia}`, preview_uri: `studio://media/${shownMedia}/preview`, duration_seconds: 1 });
    expect(a.first_frame).toEqual({
      thumb_uri: `studio://media/${shownMedia}/frame/first`,
      full_uri: `studio://media/${shownMedia}/frame/first/full`,
      alt: `Shot 1: ${EVIL_PROMPT} (first frame)`,
    });
    expect(a.last_frame?.thumb_uri).toBe(`studio://media/${shownMedia}/frame/last`);

    const d = list[3] as StoryboardShot;
    expect(d.lines.map((l) => [l.character_id, l.character_name, l.text, l.start_seconds])).toEqual([
      [mara, EVIL_NAME, 'Where is the boat?', 0.1],
      [tom, 'Tom', LONG_LINE, 0.5],
    ]);
    for (const l of d.lines) expect(l.end_seconds ?? 0).toBeGreaterThan(l.start_seconds);
    expect(list.slice(0, 3).every((s) => s.lines.length === 0)).toBe(true);
  });

  it('take_approve shows in scene_get and studio://scenes/{id}; a withdrawn approval is gone; the version follows', async () => {
    await h.call('take_approve', { shot_id: shots.a, take_id: ids.takeA1, approved: true });
    const before = (await h.call('storyboard_get', { scene_id: night })).version;
    expect((await h.call('storyboard_get', { scene_id: night })).version).toBe(before);
    // Approving the other take moves the approval: at most one approved take per shot.
    const moved = await h.call('take_approve', { shot_id: shots.a, take_id: ids.takeA2, approved: true });
    expect(moved.approved_take_id).toBe(ids.takeA2);
    const scene = (await h.call('scene_get', { scene_id: night })) as { shots: Json[]; storyboard: Json };
    const a = scene.shots[0] as { approved_take_id: string; takes: { take_number: number; approved: boolean }[] };
    expect(a.approved_take_id).toBe(ids.takeA2);
    expect(a.takes.map((t) => [t.take_number, t.approved])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(scene.storyboard).toEqual({ show: `storyboard_show(scene_id: "${night}")` });
    const res = await h.client.readResource({ uri: `studio://scenes/${night}` });
    const read = JSON.parse((res.contents[0] as { text: string }).text) as { shots: { approved_take_id: string | null }[] };
    expect(read.shots.map((s) => s.approved_take_id)).toEqual([ids.takeA2, null, null, null]);
    const after = (await h.call('storyboard_get', { scene_id: night })).version;
    expect(after).not.toBe(before);

    const off = await h.call('take_approve', { shot_id: shots.a, take_id: ids.takeA2, approved: false });
    expect(off).toMatchObject({ approved: false, approved_take_id: null });
    const sb = (await h.call('storyboard_get', { scene_id: night })) as unknown as Storyboard;
    expect(sb.scenes[0]?.shots[0]?.approved_take_id).toBeNull();
    expect(sb.scenes[0]?.shots[0]?.takes.map((t) => t.approved)).toEqual([false, false]);
  });

  it('shows a film: its scenes in order, renders marked stale once the edit changes; the web page URL once --http is on', async () => {
    await h.call('render_film', { film_id: film, qc: false });
    const sb = await show({ film_id: film });
    expect(sb).toMatchObject({ kind: 'film', id: film, title: 'Lamp', web_url: null, estimated_cost_usd: 0 });
    expect(sb.scenes.map((s) => [s.scene_id, s.title, s.shots.map((x) => x.shot_id)])).toEqual([
      [night, EVIL_TITLE, [shots.a, shots.b, shots.c, shots.d]],
      [morning, 'Morning', [shots.e]],
    ]);
    expect(sb.render).toMatchObject({ stale: false });
    expect(sb.scenes.map((s) => s.render?.stale)).toEqual([false, false]);
    const filmMedia = sb.render?.media_id as string;
    expect(sb.render).toEqual({
      media_id: filmMedia,
      uri: `studio://media/${filmMedia}`,
      preview_uri: `studio://media/${filmMedia}/preview`,
      duration_seconds: expect.any(Number),
      stale: false,
    });

    // Back to take 1 of the first shot: the scene render and the film render no longer show the current takes.
    await h.call('shot_select_take', { shot_id: shots.a, take_number: 1 });
    const now = await show({ film_id: film });
    expect(now.render?.stale).toBe(true);
    expect(now.scenes.map((s) => s.render?.stale)).toEqual([true, false]);
    expect(now.scenes[0]?.shots.map((s) => s.continuity.state)).toEqual(['first', 'ok', 'ok', 'cut']);
    expect(now.version).not.toBe(sb.version);
    // Back to take 2: the renders made before show the edit again (render_film would reuse them, not make new ones).
    await h.call('shot_select_take', { shot_id: shots.a, take_number: 2 });
    const back = await show({ film_id: film });
    expect(back.render).toEqual(sb.render);
    expect(back.scenes.map((s) => s.render)).toEqual(sb.scenes.map((s) => s.render));
    expect(back.version).toBe(sb.version);
    await h.call('shot_select_take', { shot_id: shots.a, take_number: 1 });

    h.studio.setWebBase('http://127.0.0.1:8787/');
    try {
      expect((await show({ film_id: film })).web_url).toBe(`http://127.0.0.1:8787/studio/film/${film}`);
      expect((await show({ scene_id: night })).web_url).toBe(`http://127.0.0.1:8787/studio/scene/${night}`);
      const scene = await h.call('scene_get', { scene_id: morning });
      expect(scene.storyboard).toEqual({ show: `storyboard_show(scene_id: "${morning}")`, web_url: `http://127.0.0.1:8787/studio/scene/${morning}` });
    } finally {
      h.studio.setWebBase(null);
    }
    const rendered = await h.call('render_scene', { scene_id: morning, qc: false });
    expect(rendered.storyboard).toEqual({ show: `storyboard_show(scene_id: "${morning}")` });
  });

  it('serves the first and last frame as a JPEG thumbnail at most 360 px high and a full-size PNG, made once', async () => {
    const sb = await show({ scene_id: morning });
    const e = sb.scenes[0]?.shots[0] as StoryboardShot;
    const media = await h.studio.library.get(e.takes[0]?.media_id as string);
    expect([media.width, media.height]).toEqual([1280, 720]);
    const read = async (uri: string): Promise<{ mimeType: string; bytes: Buffer }> => {
      const c = (await h.client.readResource({ uri })).contents[0] as { mimeType: string; blob: string; uri: string };
      expect(c.uri).toBe(uri);
      return { mimeType: c.mimeType, bytes: Buffer.from(c.blob, 'base64') };
    };
    const dir = tempDir('storyboard-frames-');
    for (const f of [e.first_frame, e.last_frame]) {
      if (!f) throw new Error('a generated take has frames');
      const thumb = await read(f.thumb_uri);
      expect(thumb.mimeType).toBe('image/jpeg');
      expect(thumb.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      const file = path.join(dir, 'thumb.jpg');
      fs.writeFileSync(file, thumb.bytes);
      expect(await probe(file, { cache: false })).toMatchObject({ width: 640, height: 360 });
      const full = await read(f.full_uri);
      expect(full.mimeType).toBe('image/png');
      expect(full.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      // IHDR: width and height, big-endian, at bytes 16 and 20.
      expect([full.bytes.readUInt32BE(16), full.bytes.readUInt32BE(20)]).toEqual([1280, 720]);
      expect((await read(f.thumb_uri)).bytes.equals(thumb.bytes)).toBe(true);
    }
    // The thumbnails are the frame images' previews: one file each under previews/, not a second cache.
    const previews = fs.readdirSync(path.join(h.home, 'previews'));
    expect(previews).toContain(`${media.first_frame_id}.jpg`);
    expect(previews).toContain(`${media.last_frame_id}.jpg`);

    const err = async (uri: string) =>
      h.client.readResource({ uri }).then(
        () => undefined,
        (x: unknown) => x as { code?: number; message?: string },
      );
    expect(await err('studio://media/nope/frame/first')).toMatchObject({ message: expect.stringContaining("'nope'") });
    expect((await err(`studio://media/${media.first_frame_id}/frame/last`))?.message).toContain('only a video has frames');
    expect((await err(`studio://media/${media.media_id}/frame/middle`))?.message).toContain('does not exist');
  });

  it('refuses bad arguments with errors naming the field', async () => {
    expect(await h.callError('storyboard_show', {})).toMatchObject({
      code: 'invalid_input',
      field: 'scene_id',
      message: 'give exactly one of scene_id or film_id',
    });
    expect(await h.callError('storyboard_show', { scene_id: night, film_id: film })).toMatchObject({ code: 'invalid_input', field: 'film_id' });
    expect(await h.callError('storyboard_show', { scene_id: 'scn_nope' })).toMatchObject({ code: 'not_found', field: 'scene_id' });
    expect(await h.callError('storyboard_get', { film_id: 'flm_nope' })).toMatchObject({ code: 'not_found', field: 'film_id' });
    expect(await h.callError('storyboard_get', { scene_id: 7 })).toMatchObject({ code: 'invalid_input', field: 'scene_id' });
    expect(await h.callError('storyboard_show', { scene_id: night, zoom: 2 })).toMatchObject({ code: 'invalid_input', field: 'zoom' });
    expect(await h.callError('take_approve', { shot_id: 'sht_nope', take_id: ids.takeA1, approved: true })).toMatchObject({
      code: 'not_found',
      field: 'shot_id',
    });
    const wrong = await h.callError('take_approve', { shot_id: shots.b, take_id: ids.takeA1, approved: true });
    expect(wrong).toMatchObject({ code: 'invalid_input', field: 'take_id' });
    expect(wrong.message).toContain(`shot '${shots.b}' has no take '${ids.takeA1}'`);
    expect(await h.callError('take_approve', { shot_id: shots.a, take_id: ids.takeA1 })).toMatchObject({ code: 'invalid_input', field: 'approved' });
    expect(await h.callError('take_approve', { shot_id: shots.a, take_id: ids.takeA1, approved: 'yes' })).toMatchObject({ field: 'approved' });
  });

  it('publishes the MCP Apps metadata: the view on storyboard_show, app-only visibility on the view’s own tools, the extension', async () => {
    const { tools } = await h.client.listTools();
    const meta = (name: string) => tools.find((t) => t.name === name)?._meta;
    expect(meta('storyboard_show')).toEqual({ ui: { resourceUri: 'ui://studio/storyboard' }, 'ui/resourceUri': 'ui://studio/storyboard' });
    for (const name of ['storyboard_get', 'take_approve']) {
      expect(meta(name)).toEqual({ ui: { resourceUri: 'ui://studio/storyboard', visibility: ['app'] }, 'ui/resourceUri': 'ui://studio/storyboard' });
    }
    expect(meta('shot_select_take')).toBeUndefined();
    const caps = h.client.getServerCapabilities() as { extensions?: Record<string, unknown> };
    expect(caps.extensions?.['io.modelcontextprotocol/ui']).toEqual({ mimeTypes: ['text/html;profile=mcp-app'] });
  });

  it('keeps a 12-shot scene with 3 takes and 2 lines per shot under 64 KB of structuredContent', async () => {
    const scene = id(await h.call('scene_create', { title: 'Twelve' }), 'scene', 'scene_id');
    const clips: string[] = [];
    for (const seed of [11, 12, 13])
      clips.push((await h.call('video_generate', { model: 'local/animatic', prompt: `harbour ${seed}`, duration: 1, ...fast })).media_id as string);
    const voices = [
      (await h.call('voice_tts', { model: 'local/voice', text: 'Where is the boat?', character_id: mara })).media_id as string,
      (await h.call('voice_tts', { model: 'local/voice', text: 'Late again.', character_id: tom })).media_id as string,
    ];
    const prompt = (i: number): string =>
      `Shot ${i + 1}: wide view of the harbour at dusk, Mara in a red scarf walks along the wet stone quay past moored fishing boats, lamps coming on ` +
      `one by one, slow dolly left, soft rain, 35 mm, shallow depth of field, muted teal and amber palette`;
    for (let i = 0; i < 12; i++) {
      const shot = id(
        await h.call('shot_create', { scene_id: scene, prompt: prompt(i), title: `Quay ${i + 1}`, model: 'local/animatic', duration: 4 }),
        'shot',
        'shot_id',
      );
      for (const clip of clips) await h.call('shot_add_take', { shot_id: shot, media_id: clip });
      await h.call('shot_add_dialogue', {
        shot_id: shot,
        audio: voices[0],
        offset_seconds: 0.2,
        text: 'Where is the boat? It should have been back an hour ago.',
      });
      await h.call('shot_add_dialogue', { shot_id: shot, audio: voices[1], offset_seconds: 2, text: 'Late again. The sea keeps its own hours, Mara.' });
    }
    const r = await h.raw('storyboard_show', { scene_id: scene });
    const sb = r.structuredContent as unknown as Storyboard;
    expect(sb.scenes[0]?.shots.map((s) => [s.takes.length, s.lines.length])).toEqual(Array.from({ length: 12 }, () => [3, 2]));
    // Alt text is the prompt cut to 160 characters (the whole prompt is beside it).
    expect(prompt(0).length).toBeGreaterThan(160);
    expect(sb.scenes[0]?.shots[0]?.first_frame?.alt).toBe(`Shot 1: ${prompt(0).slice(0, 159)}… (first frame)`);
    const bytes = Buffer.byteLength(JSON.stringify(r.structuredContent), 'utf8');
    console.log(`storyboard structuredContent, 12 shots × 3 takes × 2 lines: ${bytes} bytes`);
    expect(bytes).toBeLessThan(64 * 1024);
    // The text beside it is one short line, not the storyboard again.
    const text = (r.content[0] as { text: string }).text;
    expect(text.length).toBeLessThan(200);
  });
});

describe('the ui://studio/storyboard resource', () => {
  it('is listed and read as text/html;profile=mcp-app with a CSP that allows no remote origin', async () => {
    const dir = tempDir('storyboard-ui-');
    const html = '<!doctype html><title>storyboard</title><script>/* bundled */</script>';
    fs.writeFileSync(path.join(dir, 'storyboard.html'), html);
    const h = await startHarness({ env: { STUDIO_UI_DIR: dir } });
    try {
      const { resources } = await h.client.listResources();
      const entry = resources.find((r) => r.uri === 'ui://studio/storyboard');
      const ui = { csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] }, permissions: {}, prefersBorder: true };
      expect(entry).toMatchObject({ name: 'storyboard', mimeType: 'text/html;profile=mcp-app', _meta: { ui } });
      const read = await h.client.readResource({ uri: 'ui://studio/storyboard' });
      expect(read.contents).toEqual([{ uri: 'ui://studio/storyboard', mimeType: 'text/html;profile=mcp-app', text: html, _meta: { ui } }]);
    } finally {
      await h.close();
    }
  });

  it('says how to build the view when the file is missing', async () => {
    const dir = tempDir('storyboard-ui-missing-');
    const h = await startHarness({ env: { STUDIO_UI_DIR: dir } });
    try {
      const err = await h.client.readResource({ uri: 'ui://studio/storyboard' }).then(
        () => undefined,
        (x: unknown) => x as { message?: string },
      );
      expect(err?.message).toContain(`the storyboard view is not built (no storyboard.html in ${dir}); run npm run build`);
    } finally {
      await h.close();
    }
  });
});
