import { describe, expect, it } from 'vitest';
import { checkRules, checkSupported, unsupportedArgError } from '../../src/capabilities/rules.js';
import { veoLike } from './fixtures.js';
import { cap, registry } from './helpers.js';

const msgs = (r: { errors: { message: string }[] }) => r.errors.map((e) => e.message);

describe('checkRules', () => {
  it('names the model, the fields and what the model accepts for an excludes rule', () => {
    const r = checkRules(veoLike, { prompt: 'p', reference_images: ['a'], start_frame: 's' });
    expect(msgs(r)).toContain(
      'vertex/test-veo: reference_images cannot be combined with start_frame or end_frame; use either up to 3 asset reference images, or a start frame with ' +
        'an optional end frame',
    );
    expect(r.errors[0]?.details).toMatchObject({ model: 'vertex/test-veo', field: 'reference_images' });
  });

  it('requires: end frame without start frame', () => {
    expect(msgs(checkRules(veoLike, { prompt: 'p', end_frame: 'e' }))).toEqual([
      'vertex/test-veo: end_frame requires start_frame; give start_frame too, or drop end_frame',
    ]);
    expect(msgs(checkRules(veoLike, { prompt: 'p', start_frame: 's', end_frame: 'e' }))).toEqual([]);
  });

  it('forces fills a missing value, refuses a conflicting one, accepts the same one', () => {
    const filled = checkRules(veoLike, { prompt: 'p', reference_images: ['a'] });
    expect(filled.errors).toEqual([]);
    expect(filled.values['duration']).toBe(8);
    expect(filled.forced[0]).toMatch(/duration set to 8 because reference_images is given/);
    const bad = checkRules(veoLike, { prompt: 'p', reference_images: ['a'], duration: 6 });
    expect(msgs(bad)).toEqual(['vertex/test-veo: reference-to-video is 8 seconds only (got duration=6)']);
    expect(checkRules(veoLike, { prompt: 'p', reference_images: ['a'], duration: 8 }).errors).toEqual([]);
  });

  it('max_items counts the array', () => {
    expect(msgs(checkRules(veoLike, { prompt: 'p', reference_images: ['a', 'b', 'c', 'd'] }))).toEqual([
      'vertex/test-veo: reference_images holds at most 3 items; got 4',
    ]);
  });

  it('restricts with equals checks the field, using its default when not given', () => {
    expect(msgs(checkRules(veoLike, { prompt: 'p', resolution: '4k', duration: 6 }))).toEqual([
      "vertex/test-veo: with resolution='4k', duration must be 8; got 6",
    ]);
    expect(checkRules(veoLike, { prompt: 'p', resolution: '4k' }).errors).toEqual([]);
    expect(checkRules(veoLike, { prompt: 'p', resolution: '1080p', duration: 6 }).errors).toEqual([]);
  });

  it('restricts without equals applies whenever the if-field is given, and checks the default', () => {
    const c = { ...veoLike, rules: [{ kind: 'restricts' as const, if: 'end_frame', field: 'resolution', allowed: ['1080p'] }] };
    expect(msgs(checkRules(c, { end_frame: 'e' }))).toEqual(["vertex/test-veo: with end_frame, resolution must be '1080p'; got '720p' (the default)"]);
    expect(checkRules(c, { end_frame: 'e', resolution: '1080p' }).errors).toEqual([]);
  });

  it('one_of needs at least one', () => {
    const c = { ...veoLike, rules: [{ kind: 'one_of' as const, fields: ['start_frame', 'end_frame'] }] };
    expect(msgs(checkRules(c, {}))).toEqual(['vertex/test-veo: give at least one of start_frame or end_frame']);
    expect(checkRules(c, { end_frame: 'x' }).errors).toEqual([]);
  });

  it('reports every broken rule at once, and empty arrays count as not given', () => {
    const r = checkRules(veoLike, { reference_images: ['a', 'b', 'c', 'd'], start_frame: 's', duration: 4 });
    expect(r.errors.length).toBe(4);
    expect(checkRules(veoLike, { reference_images: [], start_frame: 's' }).errors).toEqual([]);
  });

  it('checks required fields unless told not to', () => {
    const still = cap('local/still');
    expect(msgs(checkRules(still, {}))[0]).toMatch(/^local\/still: prompt is required/);
    expect(checkRules(still, {}, { checkRequired: false }).errors).toEqual([]);
  });

  it('local/animatic accepts start + end + refs together (continuity offline) but at most 3 refs', () => {
    const a = cap('local/animatic');
    expect(checkRules(a, { prompt: 'p', start_frame: 's', end_frame: 'e', reference_images: ['1', '2', '3'] }).errors).toEqual([]);
    expect(checkRules(a, { prompt: 'p', end_frame: 'e' }).errors).toEqual([]);
    expect(msgs(checkRules(a, { prompt: 'p', reference_images: ['1', '2', '3', '4'] }))[0]).toMatch(/at most 3/);
  });
});

describe('unsupported arguments', () => {
  it('names the model, what it accepts and which models of the task do take it', () => {
    const e = unsupportedArgError(cap('local/still'), 'start_frame', registry);
    expect(e.message).toMatch(/^local\/still does not take start_frame; it accepts: prompt, reference_images, aspect_ratio; /);
    expect(e.details).toMatchObject({ model: 'local/still', field: 'start_frame' });
  });

  it('says when no model of the task takes it', () => {
    expect(unsupportedArgError(cap('local/voice'), 'start_frame', registry).message).toMatch(/no voice_tts model takes start_frame$/);
  });

  it('lists other models of the task that take it', () => {
    const promptOnly = { ...veoLike, id: 'vertex/prompt-only', provider_model: 'prompt-only', fields: { prompt: veoLike.fields['prompt']! }, rules: [] };
    const lister = { list: () => [cap('local/animatic'), veoLike, promptOnly] };
    expect(unsupportedArgError(promptOnly, 'start_frame', lister).message).toBe(
      'vertex/prompt-only does not take start_frame; it accepts: prompt; video_generate models that take start_frame: local/animatic, vertex/test-veo',
    );
  });

  it('checkSupported returns one error per unknown arg; hidden fields are not accepted from agents', () => {
    const errs = checkSupported(cap('local/animatic'), ['prompt', 'character_name', 'foo']);
    expect(errs.map((e) => e.details.field)).toEqual(['character_name', 'foo']);
  });
});
