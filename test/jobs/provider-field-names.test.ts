import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AudioFake, startAudioFake } from '../fakes/audio-providers.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * A provider's refusal names its own field (ElevenLabs says `duration_seconds`); the failed job and the tool error
 * name the field the agent set (`duration`), so the agent can fix the call it made.
 */
describe('provider refusals name the agent-facing field', () => {
  let fake: AudioFake;
  let h: Harness;
  beforeAll(async () => {
    fake = await startAudioFake();
    h = await startHarness({ env: { ELEVENLABS_API_KEY: 'sk-test-field-names', ELEVENLABS_BASE_URL: fake.url } });
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  it('a 422 on duration_seconds comes back as field duration, with the model', async () => {
    fake.fail('sfx', {
      kind: 'status',
      status: 422,
      body: { detail: [{ loc: ['body', 'duration_seconds'], msg: 'too long for this plan', type: 'value_error' }] },
    });
    const e = await h.callError('sfx_generate', { model: 'elevenlabs/eleven_text_to_sound_v2', prompt: 'door slam', duration: 2 });
    expect(e.code).toBe('invalid_input');
    expect(e.field).toBe('duration');
    expect(e.model).toBe('elevenlabs/eleven_text_to_sound_v2');
    expect(e.message).toContain('ElevenLabs rejected');
    expect(e.message).toContain('too long for this plan');
  });
});
