/**
 * What WaveSpeed's model pages say about the inputs of the InfiniteTalk models we ship, so the fake refuses what
 * the real service refuses (HTTP 400 with a message) instead of accepting any body. Keyed by model path.
 * Sources: wavespeed.ai/docs/docs-api/wavespeed-ai/infinitetalk…, each entry's comment.
 */

type Input = Record<string, unknown>;

const missing = (i: Input, names: string[]): string | undefined => {
  const gone = names.filter((n) => typeof i[n] !== 'string' || i[n] === '');
  return gone.length ? `missing required field(s): ${gone.join(', ')}` : undefined;
};
const oneOf = (i: Input, name: string, values: string[]): string | undefined =>
  i[name] === undefined || values.includes(i[name] as string) ? undefined : `${name} must be one of ${values.join(', ')}`;
const absent = (i: Input, name: string): string | undefined => (i[name] === undefined ? undefined : `unknown field ${name}`);
const first = (...checks: Array<string | undefined>): string | undefined => checks.find((c) => c !== undefined);

const ORDER = ['meanwhile', 'left_right', 'right_left'];
const RESOLUTION = ['480p', '720p'];

/** A refusal message when the body breaks the model's documented inputs, else undefined. */
export const WAVESPEED_DOCUMENTED: Record<string, (input: Input) => string | undefined> = {
  // …/infinitetalk/multi: left_audio, right_audio and image required; order meanwhile|left_right|right_left.
  'wavespeed-ai/infinitetalk/multi': (i) =>
    first(missing(i, ['image', 'left_audio', 'right_audio']), oneOf(i, 'order', ORDER), oneOf(i, 'resolution', RESOLUTION)),
  // …/infinitetalk-fast-multi: as multi, without a resolution field.
  'wavespeed-ai/infinitetalk-fast/multi': (i) => first(missing(i, ['image', 'left_audio', 'right_audio']), oneOf(i, 'order', ORDER), absent(i, 'resolution')),
  // …/infinitetalk-fast-video-to-video: video and audio required; no resolution field.
  'wavespeed-ai/infinitetalk-fast/video-to-video': (i) => first(missing(i, ['video', 'audio']), absent(i, 'resolution')),
};
