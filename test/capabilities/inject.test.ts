import { describe, expect, it } from 'vitest';
import { inject, type CharacterContext } from '../../src/capabilities/inject.js';
import { checkRules } from '../../src/capabilities/rules.js';
import { veoLike } from './fixtures.js';
import { cap, registry, thrownMessage } from './helpers.js';

const mara: CharacterContext = {
  name: 'Mara',
  reference_images: ['med_ref1', 'med_ref2'],
  voice_id: 'voice_mara',
  style_tokens: 'watercolor, soft light',
};

describe('inject: character reference images', () => {
  it('go into the reference_images role, explicit refs first, within the max', () => {
    const r = inject(veoLike, { prompt: 'walks', reference_images: ['med_x', 'med_y'] }, { character: mara });
    expect(r.values['reference_images']).toEqual(['med_x', 'med_y', 'med_ref1']);
    expect(r.injected).toContain('reference_images');
    expect(r.warnings.join('\n')).toMatch(/at most 3 reference images; used 1 of character Mara's 2/);
  });

  it('are skipped with a warning when the model also gets a start frame (Veo: refs exclude frames)', () => {
    const r = inject(veoLike, { prompt: 'walks', start_frame: 'med_start' }, { character: mara });
    expect(r.values['reference_images']).toBeUndefined();
    expect(r.values['start_frame']).toBe('med_start');
    expect(r.warnings.join('\n')).toMatch(
      /adding character Mara's reference images skipped: vertex\/test-veo: reference_images cannot be combined with start_frame/,
    );
    expect(checkRules(veoLike, r.values).errors).toEqual([]);
  });

  it('are skipped when use_last_frame provides the start frame', () => {
    const r = inject(veoLike, { prompt: 'walks' }, { character: mara, lastFrame: 'med_last' });
    expect(r.values).toMatchObject({ start_frame: 'med_last' });
    expect(r.values['reference_images']).toBeUndefined();
    expect(r.warnings).toHaveLength(1);
  });

  it('are skipped when they would force a duration that conflicts with the explicit one', () => {
    const r = inject(veoLike, { prompt: 'walks', duration: 6 }, { character: mara });
    expect(r.values['reference_images']).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/8 seconds only/);
  });

  it('explicit refs + start frame are not hidden by injection: checkRules reports the error', () => {
    const r = inject(veoLike, { prompt: 'walks', reference_images: ['med_x'], start_frame: 's' }, { character: mara });
    expect(
      checkRules(veoLike, r.values)
        .errors.map((e) => e.message)
        .join('\n'),
    ).toMatch(/cannot be combined with start_frame/);
  });

  it('are never used as a start or end frame; a model without a reference role gets a warning', () => {
    const framesOnly = { ...veoLike, fields: { ...veoLike.fields }, rules: [] };
    delete framesOnly.fields['referenceImages'];
    const r = inject(framesOnly, { prompt: 'walks' }, { character: mara });
    expect(r.values['start_frame']).toBeUndefined();
    expect(r.values['end_frame']).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/takes no reference images, so character Mara's reference images were not used/);
  });

  it('lip-sync from an image: the character reference image is the face when no image is given', () => {
    const r = inject(cap('local/lipsync'), { audio: 'med_a' }, { character: mara });
    expect(r.values['image']).toBe('med_ref1');
    const own = inject(cap('local/lipsync'), { audio: 'med_a', image: 'med_face' }, { character: mara });
    expect(own.values['image']).toBe('med_face');
  });

  it('does not duplicate refs the caller already gave', () => {
    const r = inject(cap('local/still'), { prompt: 'p', reference_images: ['med_ref1', 'med_ref2'] }, { character: mara });
    expect(r.values['reference_images']).toEqual(['med_ref1', 'med_ref2']);
    expect(r.warnings.filter((w) => w.includes('reference'))).toEqual([]);
  });
});

describe('inject: style tokens, voice, name', () => {
  it('appends style tokens to the prompt (once)', () => {
    expect(inject(cap('local/animatic'), { prompt: 'Mara walks.' }, { character: mara }).values['prompt']).toBe('Mara walks. watercolor, soft light');
    expect(inject(cap('local/animatic'), { prompt: 'a forest' }, { character: mara }).values['prompt']).toBe('a forest, watercolor, soft light');
    const again = inject(cap('local/animatic'), { prompt: 'x, watercolor, soft light' }, { character: mara });
    expect(again.values['prompt']).toBe('x, watercolor, soft light');
  });

  it('never appends style tokens to TTS text', () => {
    const r = inject(cap('local/voice'), { text: 'Hello.' }, { character: mara });
    expect(r.values['text']).toBe('Hello.');
  });

  it('fills voice_id from the character when not given, keeps an explicit one', () => {
    expect(inject(cap('local/voice'), { text: 'Hi' }, { character: mara }).values['voice_id']).toBe('voice_mara');
    expect(inject(cap('local/voice'), { text: 'Hi', voice_id: 'other' }, { character: mara }).values['voice_id']).toBe('other');
    expect(inject(cap('local/voice-changer'), { audio: 'a' }, { character: mara }).injected).toContain('voice_id');
  });

  it('fills the hidden character_name field where the model has one', () => {
    const r = inject(cap('local/animatic'), { prompt: 'p' }, { character: mara });
    expect(r.values['character_name']).toBe('Mara');
    expect(inject(cap('local/still'), { prompt: 'p' }, { character: mara }).values['character_name']).toBe('Mara');
    expect(inject(cap('local/voice'), { text: 'p' }, { character: mara }).values['character_name']).toBeUndefined();
  });

  it('without a character only continuity is injected', () => {
    expect(inject(cap('local/animatic'), { prompt: 'p' }, {})).toEqual({ values: { prompt: 'p' }, warnings: [], injected: [] });
  });
});

describe('inject: use_last_frame', () => {
  it('fills start_frame', () => {
    const r = inject(cap('local/animatic'), { prompt: 'p' }, { lastFrame: 'med_last' });
    expect(r.values['start_frame']).toBe('med_last');
    expect(r.injected).toEqual(['start_frame']);
  });

  it('is an error on a model without a start frame, naming models that have one', () => {
    const msg = thrownMessage(() => inject(cap('local/still'), { prompt: 'p' }, { lastFrame: 'med_last' }, registry));
    expect(msg).toMatch(/^local\/still takes no start frame, so use_last_frame cannot be used with it; image_generate models with a start frame: /);
    const noStart = { ...veoLike, id: 'vertex/no-start', provider_model: 'no-start', fields: { prompt: veoLike.fields['prompt']! }, rules: [] };
    const lister = { list: () => [cap('local/animatic'), veoLike, noStart] };
    expect(thrownMessage(() => inject(noStart, { prompt: 'p' }, { lastFrame: 'm' }, lister))).toBe(
      'vertex/no-start takes no start frame, so use_last_frame cannot be used with it; video_generate models with a start frame: local/animatic, ' +
        'vertex/test-veo',
    );
  });

  it('is an error together with an explicit start_frame', () => {
    expect(thrownMessage(() => inject(cap('local/animatic'), { prompt: 'p', start_frame: 's' }, { lastFrame: 'l' }))).toMatch(
      /give either use_last_frame or start_frame, not both/,
    );
  });
});
