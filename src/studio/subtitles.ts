import { invalidInput } from '../errors.js';
import { toSrt, toVtt, type Cue } from '../media/subtitle-format.js';
import type { Studio } from './studio.js';
import type { TimelineShot } from './timeline.js';

export type SubtitleFormat = 'srt' | 'vtt';

export interface SubtitleExport {
  target: { scene_id: string } | { film_id: string };
  cues: number;
  duration: number;
  files: { format: SubtitleFormat; path: string }[];
}

/**
 * Subtitles from what the studio knows exactly: every line's words, where it starts in its shot and where its words
 * end (the timeline's lines come from lineSpans, which ends a line at spokenSpan: the voice's own timings when it has
 * them, so a cue does not linger through trailing silence), laid out on the same timeline the renderer uses. No
 * transcription, no guessing.
 */
export class Subtitles {
  constructor(private readonly studio: Studio) {}

  /** The cues of a scene or a film (film: each scene shifted by the length of the scenes before it). */
  async cues(target: { scene_id?: string; film_id?: string }, speakerNames: boolean): Promise<{ cues: Cue[]; duration: number }> {
    const { store, project, render } = this.studio;
    const scenes = target.film_id
      ? (await store.scenes.list((await project.film(target.film_id)).film_id)).map((s) => s.scene_id)
      : target.scene_id
        ? [(await project.scene(target.scene_id)).scene_id]
        : [];
    if (!scenes.length)
      throw invalidInput(target.film_id ? `film '${target.film_id}' has no scenes` : 'give scene_id or film_id', {
        field: target.film_id ? 'film_id' : 'scene_id',
      });
    const cues: Cue[] = [];
    let at = 0;
    for (const sceneId of scenes) {
      const timeline = await render.sceneTimelineOf(sceneId);
      cues.push(...(await this.sceneCues(timeline, at, speakerNames)));
      at += timeline.length ? (timeline[timeline.length - 1] as TimelineShot).end : 0;
    }
    return { cues: cues.sort((a, b) => a.start - b.start), duration: at };
  }

  private async sceneCues(timeline: TimelineShot[], offset: number, speakerNames: boolean): Promise<Cue[]> {
    const { store } = this.studio;
    const out: Cue[] = [];
    for (const shot of timeline) {
      for (const l of shot.lines ?? []) {
        const line = await store.shots.getAudio(l.audio_id);
        if (!line?.text) continue; // a recording without words has nothing to show
        const characterId = (await store.media.get(line.media_id))?.character_id;
        const speaker = speakerNames && characterId ? (await store.characters.get(characterId))?.name : undefined;
        out.push({ start: offset + l.start, end: offset + l.end, text: line.text, ...(speaker ? { speaker } : {}) });
      }
    }
    return out;
  }

  /** Write SRT and/or WebVTT files under `subtitles/` (rewritten on every export: they derive from the edit). */
  async export(target: { scene_id?: string; film_id?: string }, formats: SubtitleFormat[], speakerNames: boolean): Promise<SubtitleExport> {
    const { cues, duration } = await this.cues(target, speakerNames);
    const id = target.film_id ?? (target.scene_id as string);
    const files: SubtitleExport['files'] = [];
    for (const format of formats) {
      const rel = `subtitles/${id}.${format}`;
      await this.studio.store.blobs.writeAtomic(rel, format === 'srt' ? toSrt(cues) : toVtt(cues));
      files.push({ format, ...(await this.studio.store.blobs.clientRef(rel)) });
    }
    return { target: target.film_id ? { film_id: target.film_id } : { scene_id: id }, cues: cues.length, duration: Math.round(duration * 1000) / 1000, files };
  }
}
