import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/probe.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/** music_generate / sfx_generate with the offline models: real audio of the length asked, stored with its metadata. */
describe('music_generate and sfx_generate (local)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it("tools/list derives both schemas from the offered models' capability files", async () => {
    const { tools } = await h.client.listTools();
    const music = tools.find((t) => t.name === 'music_generate');
    const sfx = tools.find((t) => t.name === 'sfx_generate');
    const props = (t: typeof music): Record<string, { maximum?: number; default?: unknown }> =>
      (t?.inputSchema.properties ?? {}) as Record<string, { maximum?: number; default?: unknown }>;
    expect(Object.keys(props(music)).sort()).toEqual(['confirm_token', 'duration', 'model', 'output_format', 'prompt', 'seed', 'wait']);
    expect(props(music).duration?.maximum).toBe(300);
    expect(props(sfx).duration?.maximum).toBe(30);
    expect(props(sfx).duration?.default).toBe(2);
  });

  it('local/music makes a stereo bed as long as asked, stored as audio with its role and parameters', async () => {
    const r = await h.call('music_generate', { prompt: 'warm strings, slow', duration: 6, output_format: 'wav' });
    expect(r.status).toBe('succeeded');
    expect(r.model).toBe('local/music');
    const media = await h.studio.library.get(r.media_id as string);
    expect(media.type).toBe('voice');
    expect(media.extra.audio_role).toBe('music');
    expect(media.input_params).toMatchObject({ prompt: 'warm strings, slow', duration: 6, output_format: 'wav' });
    const info = await probe(h.studio.library.absPath(media), { cache: false });
    expect(info.audioStreams).toBe(1);
    expect(Math.abs(info.durationSeconds - 6)).toBeLessThan(0.05);
  });

  it('local/sfx makes an effect as long as asked; out-of-range lengths are refused naming the field and model', async () => {
    const r = await h.call('sfx_generate', { prompt: 'door slam', duration: 1.5 });
    expect(r.status).toBe('succeeded');
    const media = await h.studio.library.get(r.media_id as string);
    expect(media.extra.audio_role).toBe('sfx');
    expect(Math.abs((media.duration ?? 0) - 1.5)).toBeLessThan(0.1);
    const bad = await h.callError('sfx_generate', { prompt: 'door slam', duration: 45 });
    expect(bad.code).toBe('invalid_input');
    expect(bad.field).toBe('duration');
    expect(bad.message).toMatch(/local\/sfx/);
  });

  it("Lyria's documented rule is enforced before any provider call: seed and sample_count together are refused", async () => {
    const e = await h.callError('music_generate', { model: 'vertex/lyria-002', prompt: 'harp', seed: 3, sample_count: 2 });
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/seed or sample_count/);
    // Valid but without Vertex credentials here: Lyria is not offered, which the refusal says after the call was checked.
    const ok = await h.callError('music_generate', { model: 'vertex/lyria-002', prompt: 'harp', seed: 3 });
    expect([ok.code, ok.field, ok.model]).toEqual(['invalid_input', 'model', 'vertex/lyria-002']);
    expect(ok.message).toBe(
      'vertex/lyria-002 is not offered here: its provider vertex is not configured (set GOOGLE_CLOUD_PROJECT or GOOGLE_APPLICATION_CREDENTIALS or ' +
        'GOOGLE_API_KEY); offered music_generate models: local/music',
    );
  });
});
