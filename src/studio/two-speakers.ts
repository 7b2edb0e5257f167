import type { Capability } from '../capabilities/types.js';
import type { ShotAudio } from '../store/shots.js';

/**
 * Two-speaker lip-sync (InfiniteTalk multi): one picture with two people, the left one driven by `left_audio` and
 * the right one by `right_audio`. Which of a shot's lines goes to which side is chosen here; placing each on the
 * shot's timeline is LipsyncLines' job, as for one speaker.
 */

/** A model that syncs two speakers takes both `left_audio` and `right_audio`. */
export function isTwoSpeaker(cap: Capability | undefined): cap is Capability {
  return !!cap && cap.fields['left_audio']?.media === 'audio' && cap.fields['right_audio']?.media === 'audio';
}

export interface LineRef {
  /** The library audio (a line of the shot, or any voice media the call named). */
  media_id: string;
  /** The shot's line it is, when it is one (its offset places it on the timeline). */
  line?: ShotAudio;
  character_id: string | null;
}

/**
 * The lines for the left and right speaker: the ones the call names, else the shot's lines in timeline order,
 * preferring for the second side a line of another character than the first side's.
 * @returns undefined when fewer than two lines can be found (the planner then names the missing field).
 */
export function pickTwoLines(
  lines: ShotAudio[],
  characterOf: (mediaId: string) => string | null,
  given: { left?: string; right?: string },
): { left: LineRef; right: LineRef } | undefined {
  const ref = (mediaId: string): LineRef => ({
    media_id: mediaId,
    ...(lines.find((l) => l.media_id === mediaId) ? { line: lines.find((l) => l.media_id === mediaId) as ShotAudio } : {}),
    character_id: characterOf(mediaId),
  });
  const taken = new Set([given.left, given.right].filter((x): x is string => typeof x === 'string'));
  const free = lines.filter((l) => !taken.has(l.media_id));
  const next = (other: LineRef | undefined): LineRef | undefined => {
    const pick = free.find((l) => !other || characterOf(l.media_id) !== other.character_id) ?? free[0];
    if (!pick) return undefined;
    free.splice(free.indexOf(pick), 1);
    return ref(pick.media_id);
  };
  let left = given.left ? ref(given.left) : undefined;
  let right = given.right ? ref(given.right) : undefined;
  if (!left) left = next(right);
  if (!right) right = next(left);
  return left && right ? { left, right } : undefined;
}
