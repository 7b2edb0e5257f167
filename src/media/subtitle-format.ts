/** One subtitle cue, in seconds from the start of the scene or film. */
export interface Cue {
  start: number;
  end: number;
  text: string;
  /** Shown as "NAME: " before the text when given. */
  speaker?: string;
}

/**
 * A line's words as plain text any subtitle renderer shows literally: no blank line (it ends a cue), no `-->` (it
 * starts a timing line), no `{\…}` override block (ASS/libass), no `<…>` tag (SRT/WebVTT styling). The words stay
 * readable: the characters are kept and only made inert.
 */
export function plainCueText(raw: string): string {
  return raw
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n')
    .replace(/-->/g, '->')
    .replace(/\{/g, '(')
    .replace(/\}/g, ')')
    .replace(/\\/g, '/');
}

function stamp(seconds: number, sep: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

const body = (c: Cue): string => plainCueText(c.speaker ? `${c.speaker}: ${c.text}` : c.text);

/** SubRip: numbered cues, comma milliseconds. `<` becomes a look-alike so players read no tag (SRT has no escape). */
export function toSrt(cues: Cue[]): string {
  return cues
    .filter((c) => body(c) !== '' && c.end > c.start)
    .map((c, i) => `${i + 1}\n${stamp(c.start, ',')} --> ${stamp(c.end, ',')}\n${body(c).replace(/</g, '‹')}\n`)
    .join('\n');
}

/** WebVTT: the header, dot milliseconds, `&`, `<` and `>` as entities (the format's own escapes). */
export function toVtt(cues: Cue[]): string {
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out = cues.filter((c) => body(c) !== '' && c.end > c.start).map((c) => `${stamp(c.start, '.')} --> ${stamp(c.end, '.')}\n${esc(body(c))}\n`);
  return `WEBVTT\n\n${out.join('\n')}`;
}
