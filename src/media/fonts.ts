import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { textSupport, type TextSupport } from './text.js';

/**
 * Which fonts can draw the text of cards and labels, for `studio-mcp doctor`. Text is drawn by libass, which takes a
 * glyph missing from DejaVu from any font fontconfig knows (src/media/text.ts); this finds a font for CJK and one
 * for emoji: first at the paths Debian's packages install them to, then by asking fontconfig (fc-list).
 */

/** Debian packages that give cards CJK and emoji glyphs (small: about 3 MB together). */
export const FONT_PACKAGES = ['fonts-droid-fallback', 'fonts-symbola'] as const;

/**
 * Known font files, best first. Emoji fonts are outline fonts: colour-bitmap ones (Noto Color Emoji) are not
 * listed because neither libass nor drawtext can draw them.
 */
const KNOWN: Record<'cjk' | 'emoji', { file: string; pkg: string }[]> = {
  cjk: [
    { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', pkg: 'fonts-noto-cjk' },
    { file: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf', pkg: 'fonts-droid-fallback' },
    { file: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', pkg: 'fonts-wqy-microhei' },
    { file: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', pkg: 'fonts-wqy-zenhei' },
    { file: '/usr/share/fonts/opentype/unifont/unifont.otf', pkg: 'fonts-unifont' },
  ],
  emoji: [
    { file: '/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf', pkg: 'fonts-symbola' },
    { file: '/usr/share/fonts/opentype/unifont/unifont_upper.otf', pkg: 'fonts-unifont' },
  ],
};

/** A character each kind of font must have: 你 (U+4F60) and 🌊 (U+1F30A). */
const PROBE_CHAR: Record<'cjk' | 'emoji', string> = { cjk: '4f60', emoji: '1f30a' };

export interface FontReport {
  text: TextSupport;
  /** A font file with CJK glyphs, or null. */
  cjk: string | null;
  /** An outline font file with emoji glyphs, or null. */
  emoji: string | null;
}

function findFont(kind: 'cjk' | 'emoji'): string | null {
  const known = KNOWN[kind].find((k) => existsSync(k.file));
  if (known) return known.file;
  // fontconfig's own answer, where its command-line tools are installed; a missing fc-list is simply "not found".
  const r = spawnSync('fc-list', [`:charset=${PROBE_CHAR[kind]}`, 'file'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const files = r.stdout
    .split('\n')
    .map((l) => l.trim().replace(/:$/, ''))
    .filter((f) => f !== '' && !/color ?emoji/i.test(f));
  return files.sort()[0] ?? null;
}

/** Which engine draws text and which fonts it has for CJK and emoji. */
export async function fontReport(): Promise<FontReport> {
  return { text: await textSupport(), cjk: findFont('cjk'), emoji: findFont('emoji') };
}
