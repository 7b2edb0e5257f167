import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, type RgbFrame } from '../../src/media/compare.js';
import { fontReport, type FontReport } from '../../src/media/fonts.js';
import { makeStill } from '../../src/media/placeholders.js';
import { assDocument, assLiteral, resetTextSupport } from '../../src/media/text.js';
import { makeTmp, type Tmp } from './fixtures.js';

/**
 * Cards draw CJK and emoji as glyphs, not as boxes (tofu). What is proved here: each character's picture differs
 * from the picture of a character no font has (the missing-glyph box), and the characters differ from each other;
 * with text forced through drawtext (one font, the old way) the same comparison finds the box, so the test can tell.
 * What is not proved: that the glyph is the right one; only that a font had one.
 */

/** A card 640×360 whose prompt is `text` alone (no name): the glyphs sit at the prompt's top-left. */
const W = 640;
const H = 360;
/** A code point in no font (plane 16 private use): drawn as the missing-glyph box. */
const MISSING = '\u{10FFFD}';

let tmp: Tmp;
let fonts: FontReport;
beforeAll(async () => {
  tmp = await makeTmp('studio-cardtext-');
  fonts = await fontReport();
});
afterAll(() => tmp.dispose());
afterEach(() => resetTextSupport());

let n = 0;
async function card(text: string, characterName?: string): Promise<RgbFrame> {
  const out = tmp.p(`card${n++}.png`);
  await makeStill({ prompt: text, width: W, height: H, ...(characterName ? { characterName } : {}) }, out);
  return decodeRgb(out);
}

/** Pixels that differ by more than a quarter of full scale in some channel. */
function differing(a: RgbFrame, b: RgbFrame): number {
  let count = 0;
  for (let i = 0; i < a.data.length; i += 3) {
    if ([0, 1, 2].some((c) => Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0)) > 64)) count++;
  }
  return count;
}

describe('card text', () => {
  it.skipIf(process.platform !== 'linux')(
    'this machine has the engine and fonts the next test needs (Debian: apt-get install -y fonts-droid-fallback fonts-symbola)',
    () => {
      expect(fonts.text.engine).toBe('libass');
      expect(fonts.cjk).not.toBeNull();
      expect(fonts.emoji).not.toBeNull();
    },
  );

  it('你, 好 and 🌊 are drawn as glyphs: each unlike the missing-glyph box and unlike the others', async () => {
    const tofu = await card(MISSING);
    const glyphs = await Promise.all(['你', '好', '🌊'].map((c) => card(c)));
    // Measured here: 150–200 pixels differ from the box (the glyphs cover ~640); drawtext's box differs by 0.
    for (const g of glyphs) expect(differing(g, tofu)).toBeGreaterThan(80);
    expect(differing(glyphs[0] as RgbFrame, glyphs[1] as RgbFrame)).toBeGreaterThan(80);
    expect(differing(glyphs[1] as RgbFrame, glyphs[2] as RgbFrame)).toBeGreaterThan(80);
    // The whole line renders too, name and prompt (no error, some ink where the text is).
    const full = await card('Mara 你好 🌊', 'Mara 你好 🌊');
    expect(differing(full, await card(''))).toBeGreaterThan(200);
  }, 60_000);

  it('control: through drawtext (one font) 你 is the same box as a missing character, and the card still renders', async () => {
    resetTextSupport({ engine: 'drawtext', reason: 'forced by the test' });
    const tofu = await card(MISSING);
    const ni = await card('你');
    expect(differing(ni, tofu)).toBe(0);
    expect(differing(ni, await card(''))).toBeGreaterThan(40);
  }, 60_000);

  it('user text cannot become ASS tags or escapes', () => {
    expect(assLiteral('{\\b1}x\\N{y}')).toBe('\\{\\\u2060b1\\}x\\\u2060N\\{y\\}');
    const doc = assDocument([{ text: 'a {\\pos(0,0)} b\nline 2', x: 10, y: 20, size: 20, lineSpacing: 6 }], 640, 360);
    const events = doc.split('\n').filter((l) => l.startsWith('Dialogue:'));
    expect(events).toHaveLength(2);
    // Our own tags place each line (size 20 + spacing 6 apart); the user's braces stay escaped text.
    expect(events[0]).toMatch(/\{\\an7\\pos\(10,20\)\\fs23\.4\\b0\\c&H00FFFFFF&\}a \\\{\\\u2060pos\(0,0\)\\\} b$/);
    expect(events[1]).toMatch(/\\pos\(10,46\).*\}line 2$/);
  });
});
