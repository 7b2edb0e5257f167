import type { Task } from './types.js';

/** The model each task uses when neither the call, the shot nor the session names one: the offline default. */
export const DEFAULT_MODELS: Record<Task, string> = {
  video_generate: 'local/animatic',
  image_generate: 'local/still',
  voice_tts: 'local/voice',
  voice_v2v: 'local/voice-changer',
  lipsync_image: 'local/lipsync',
  lipsync_video: 'local/lipsync-video',
  music_generate: 'local/music',
  sfx_generate: 'local/sfx',
};

/**
 * The studio's own arguments each generation tool takes besides `model` and the model's fields. `confirm_token`
 * repeats a call that asked for confirmation before spending (src/studio/confirmations.ts).
 */
export const STUDIO_ARGS_BY_TASK: Record<Task, readonly string[]> = {
  video_generate: ['shot_id', 'character_id', 'use_last_frame', 'wait', 'confirm_token'],
  image_generate: ['character_id', 'wait', 'confirm_token'],
  voice_tts: ['character_id', 'shot_id', 'offset_seconds', 'gain_db', 'fit', 'wait', 'confirm_token'],
  voice_v2v: ['character_id', 'shot_id', 'offset_seconds', 'gain_db', 'fit', 'wait', 'confirm_token'],
  lipsync_image: ['character_id', 'shot_id', 'wait', 'confirm_token'],
  lipsync_video: ['shot_id', 'character_id', 'wait', 'confirm_token'],
  music_generate: ['wait', 'confirm_token'],
  sfx_generate: ['wait', 'confirm_token'],
};

/** Arguments that belong to the studio, not to any model: they are never passed to `parseArgs`. */
export const STUDIO_ARGS: readonly string[] = ['model', ...new Set(Object.values(STUDIO_ARGS_BY_TASK).flat())];
