import { Capability } from '../../src/capabilities/types.js';

/** A small Veo-like model, so engine tests do not depend on the provider files' exact content. */
export const veoLike: Capability = Capability.parse({
  id: 'vertex/test-veo',
  provider: 'vertex',
  provider_model: 'test-veo',
  adapter: 'vertex-veo',
  title: 'test',
  description: 'test',
  media_type: 'video',
  task: 'video_generate',
  fields: {
    prompt: { role: 'prompt', schema: { type: 'string' }, path: 'instances.0.prompt' },
    image: { role: 'start_frame', media: 'image', schema: { type: 'string' }, path: 'instances.0.image' },
    lastFrame: { role: 'end_frame', media: 'image', schema: { type: 'string' }, path: 'instances.0.lastFrame' },
    referenceImages: {
      role: 'reference_images',
      media: 'image',
      schema: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      path: 'instances.0.referenceImages',
    },
    durationSeconds: { role: 'duration', schema: { type: 'integer', enum: [4, 6, 8], default: 8 } },
    resolution: { schema: { type: 'string', enum: ['720p', '1080p', '4k'], default: '720p' } },
    seed: { role: 'seed', schema: { type: 'integer', minimum: 0, maximum: 4294967295 } },
    generateAudio: { schema: { type: 'boolean', default: true } },
    sampleCount: { schema: { type: 'integer', minimum: 1, maximum: 4, default: 1 }, hidden: true },
  },
  rules: [
    {
      kind: 'excludes',
      if: 'reference_images',
      then: ['start_frame', 'end_frame'],
      message:
        'reference_images cannot be combined with start_frame or end_frame; use either up to 3 asset reference images, or a start frame with an optional end ' +
        'frame',
    },
    { kind: 'requires', if: 'end_frame', then: ['start_frame'] },
    { kind: 'requires', if: 'reference_images', then: ['prompt'] },
    { kind: 'forces', if: 'reference_images', set: { duration: 8 }, message: 'reference-to-video is 8 seconds only' },
    { kind: 'max_items', field: 'reference_images', max: 3 },
    { kind: 'restricts', if: 'resolution', equals: '4k', field: 'duration', allowed: [8] },
  ],
  output: { mime: 'video/mp4' },
});
