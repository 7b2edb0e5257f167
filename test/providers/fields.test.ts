import { describe, expect, it } from 'vitest';
import { buildBody, getPath, setPath, takeQuery } from '../../src/providers/request-body.js';
import { createAdapters, pollIntervalFromEnv } from '../../src/providers/index.js';
import type { MediaInput } from '../../src/providers/types.js';
import { capability, configFor, request } from './helpers.js';

describe('setPath', () => {
  it('creates objects and arrays from dot paths', () => {
    const o: Record<string, unknown> = {};
    setPath(o, 'instances.0.image.bytesBase64Encoded', 'AAA');
    setPath(o, 'instances.0.prompt', 'p');
    setPath(o, 'parameters.durationSeconds', 8);
    setPath(o, 'generationConfig.imageConfig.aspectRatio', '16:9');
    setPath(o, 'top', true);
    expect(o).toEqual({
      instances: [{ image: { bytesBase64Encoded: 'AAA' }, prompt: 'p' }],
      parameters: { durationSeconds: 8 },
      generationConfig: { imageConfig: { aspectRatio: '16:9' } },
      top: true,
    });
    expect(getPath(o, 'instances.0.image.bytesBase64Encoded')).toBe('AAA');
    expect(getPath(o, 'nope.x')).toBeUndefined();
  });

  it('applies * to every element of an existing array', () => {
    const o: Record<string, unknown> = { refs: [{ image: 1 }, { image: 2 }] };
    setPath(o, 'refs.*.referenceType', 'style');
    expect(o).toEqual({
      refs: [
        { image: 1, referenceType: 'style' },
        { image: 2, referenceType: 'style' },
      ],
    });
  });

  it('refuses reserved and malformed segments', () => {
    expect(() => setPath({}, '__proto__.polluted', 1)).toThrow(/invalid/);
    expect(() => setPath({}, 'a..b', 1)).toThrow(/invalid/);
    expect(() => setPath({ a: {} }, 'a.0', 1)).toThrow(/does not fit/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('buildBody and takeQuery', () => {
  it('encodes media (single and arrays), applies paths, and skips fields', async () => {
    const cap = capability({
      provider: 'replicate',
      provider_model: 'a/b',
      adapter: 'replicate',
      fields: {
        prompt: { role: 'prompt', schema: { type: 'string' } },
        image: { role: 'start_frame', media: 'image', schema: { type: 'string' } },
        refs: { role: 'reference_images', media: 'image', path: 'inputs.refs', schema: { type: 'array' } },
        output_format: { path: 'query.output_format', schema: { type: 'string' } },
        voice_id: { role: 'voice_id', path: 'url.voice_id', schema: { type: 'string' } },
      },
    });
    const m = (id: string): MediaInput => ({ mediaId: id, path: `/x/${id}`, mime: 'image/png', kind: 'image', sha256: '', bytes: 1 });
    const body = await buildBody(request(cap, { prompt: 'p', image: m('a'), refs: [m('b'), m('c')], output_format: 'wav_16000', voice_id: 'v' }), {
      encodeMedia: async (media, field) => `enc:${field}:${media.mediaId}`,
      skip: new Set(['voice_id']),
    });
    const query = takeQuery(body);
    expect(body).toEqual({ prompt: 'p', image: 'enc:image:a', inputs: { refs: ['enc:refs:b', 'enc:refs:c'] } });
    expect(query.toString()).toBe('output_format=wav_16000');
  });
});

describe('createAdapters', () => {
  it('creates the four real adapters without touching the network', () => {
    const adapters = createAdapters(configFor({}), { env: {} });
    expect([...adapters.keys()].sort()).toEqual(['elevenlabs', 'replicate', 'vertex', 'wavespeed']);
    for (const a of adapters.values()) expect(a.availability().available).toBe(false);
  });

  it('STUDIO_POLL_INTERVAL_MS overrides every cadence', () => {
    expect(pollIntervalFromEnv({ STUDIO_POLL_INTERVAL_MS: '25' })).toBe(25);
    expect(pollIntervalFromEnv({ STUDIO_POLL_INTERVAL_MS: 'x' })).toBeUndefined();
    const adapters = createAdapters(configFor({}), { env: { STUDIO_POLL_INTERVAL_MS: '25' } });
    const cap = capability({ provider: 'wavespeed', provider_model: 'm/x', adapter: 'wavespeed', fields: {} });
    for (const a of adapters.values()) expect(a.pollIntervalMs(request(cap, {}))).toBe(25);
  });
});
