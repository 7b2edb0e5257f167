/**
 * Real offline placeholder media for the `local` provider: with no API keys, a whole film is made with these.
 * One file per kind of placeholder under ./placeholder/; this module is their public face.
 */
export { makeAnimatic, makeStill, type AnimaticSpec, type StillSpec } from './placeholder/card.js';
export {
  makeVoice,
  retimbre,
  speechSeconds,
  seedFromString,
  WORDS_PER_SECOND,
  type VoiceSpec,
  type VoiceFormat,
} from './placeholder/voice.js';
export { lipsyncImage, lipsyncVideo, type LipsyncImageOptions } from './placeholder/lipsync.js';
