import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../temp.js';
import { drawtextFromFile, filterValue, num } from './filters.js';
import { runFfmpeg } from './ffmpeg.js';

/**
 * Text drawn onto pictures (title cards, contact-sheet labels). drawtext draws every character with one font file,
 * and no font file on Debian covers Latin, CJK and emoji together, so "Mara 你好 🌊" came out with boxes (tofu).
 * libass (ffmpeg's `ass` filter) picks a fallback font per missing glyph through fontconfig, so with Debian's
 * fonts-droid-fallback (CJK) and fonts-symbola (emoji) installed every character is drawn. Where libass is not
 * usable (an ffmpeg built without it, or one whose fontconfig finds no fonts), text falls back to drawtext as
 * before: a card is never refused over fonts, and `studio-mcp doctor` says which engine and fonts are in use.
 */

/** One block of text. User text is safe here: it is escaped for libass, or passed to drawtext through a file. */
export interface TextBox {
  /** Lines separated by "\n". */
  text: string;
  /** Anchor in pixels: the top-left corner of the block, or its centre. */
  x: number;
  y: number;
  anchor?: 'top-left' | 'center';
  /** Font size in pixels. */
  size: number;
  /** 0xRRGGBB; default white. */
  color?: number;
  bold?: boolean;
  /** Extra pixels between lines. */
  lineSpacing?: number;
}

export interface TextSupport {
  engine: 'libass' | 'drawtext';
  /** Why drawtext is used, when it is. */
  reason?: string;
}

/** The family the text is set in; libass takes any missing glyph from another installed font. */
const FAMILY = 'DejaVu Sans';
/**
 * DejaVu's ascent + descent over its em. drawtext's size is the em; libass's is the ascent + descent, so sizes are
 * scaled by this to draw glyphs as large as drawtext does (the same line of text measures the same width).
 */
const EM_TO_ASS = 1.17;

let support: Promise<TextSupport> | undefined;

/** Which engine draws text on this machine (probed once per process: the `ass` filter renders a letter). */
export function textSupport(): Promise<TextSupport> {
  support ??= probeLibass();
  return support;
}

/** Forget the probe (tests), or force an engine. */
export function resetTextSupport(forced?: TextSupport): void {
  support = forced ? Promise.resolve(forced) : undefined;
}

async function probeLibass(): Promise<TextSupport> {
  const tmp = await tempDir('studio-text-');
  try {
    const file = await tmp.file('probe.ass', assDocument([{ text: 'M', x: 4, y: 4, size: 40 }], 64, 64));
    const r = await runFfmpeg(
      ['-f', 'lavfi', '-i', 'color=c=black:s=64x64:r=1', '-vf', `${assFilter(file)},format=gray`, '-frames:v', '1', '-f', 'rawvideo', 'pipe:1'],
      { captureStdout: true, what: 'text engine probe' },
    );
    const lit = r.stdout.reduce((n, v) => n + (v > 128 ? 1 : 0), 0);
    return lit > 20 ? { engine: 'libass' } : { engine: 'drawtext', reason: 'libass drew nothing (fontconfig found no fonts)' };
  } catch {
    return { engine: 'drawtext', reason: "ffmpeg's ass filter (libass) is missing or failed" };
  } finally {
    await tmp.dispose();
  }
}

/**
 * A filter (no pad labels; put it in a chain) drawing `boxes` onto a `width`×`height` picture. Files it needs are
 * written into `dir`, which must outlive the ffmpeg run.
 */
export async function drawTexts(boxes: TextBox[], width: number, height: number, dir: string, name = 'text'): Promise<string> {
  const shown = boxes.filter((b) => b.text.trim() !== '');
  if (shown.length === 0) return 'null';
  if ((await textSupport()).engine === 'libass') {
    const file = path.join(dir, `${name}.ass`);
    await writeFile(file, assDocument(shown, width, height), 'utf8');
    return assFilter(file);
  }
  const chain: string[] = [];
  for (const [i, b] of shown.entries()) {
    const file = path.join(dir, `${name}${i}.txt`);
    await writeFile(file, b.text, 'utf8');
    const center = b.anchor === 'center';
    chain.push(
      drawtextFromFile(file, {
        fontSize: b.size,
        x: center ? `${num(b.x)}-text_w/2` : num(b.x),
        y: center ? `${num(b.y)}-text_h/2` : num(b.y),
        ...(b.color !== undefined ? { color: hex(b.color) } : {}),
        ...(b.bold ? { bold: true } : {}),
        ...(b.lineSpacing !== undefined ? { lineSpacing: b.lineSpacing } : {}),
      }),
    );
  }
  return chain.join(',');
}

function assFilter(file: string): string {
  // No fontsdir: libass finds fonts through fontconfig; where that finds none, the probe has chosen drawtext.
  return `ass=filename=${filterValue(file)}`;
}

function hex(c: number): string {
  return `0x${c.toString(16).padStart(6, '0')}`;
}

/** &HAABBGGRR, opaque. */
function assColor(c: number): string {
  const bgr = ((c & 0xff) << 16) | (c & 0xff00) | ((c >> 16) & 0xff);
  return `&H00${bgr.toString(16).padStart(6, '0').toUpperCase()}&`;
}

/**
 * User text as literal ASS dialogue text: "{…}" would be override tags and "\N", "\n", "\h" escapes. Braces are
 * escaped (libass draws "\{" as "{"); a backslash gets a word joiner (U+2060, invisible) after it, so it can
 * never start an escape.
 */
export function assLiteral(line: string): string {
  return (
    line
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this strips
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\\/g, '\\\u2060')
      .replace(/[{}]/g, (c) => '\\' + c)
  );
}

/** A whole ASS script: one event per line, each placed exactly, so line spacing matches drawtext's. */
export function assDocument(boxes: TextBox[], width: number, height: number): string {
  const events: string[] = [];
  for (const b of boxes) {
    const lines = b.text.split('\n');
    // One font size per line plus the spacing asked for: the advance the card's layout budgets (1.3 × size).
    const advance = b.size + (b.lineSpacing ?? 0);
    const top = b.anchor === 'center' ? b.y - (lines.length * advance - (b.lineSpacing ?? 0)) / 2 : b.y;
    for (const [i, line] of lines.entries()) {
      // \an7: (x,y) is the line's top-left; \an8: its top-centre.
      const place = `\\an${b.anchor === 'center' ? 8 : 7}\\pos(${num(b.x)},${num(top + i * advance)})`;
      const tags = `${place}\\fs${num(b.size * EM_TO_ASS)}\\b${b.bold ? 1 : 0}\\c${assColor(b.color ?? 0xffffff)}`;
      events.push(`Dialogue: 0,0:00:00.00,9:59:59.99,Default,,0,0,0,,{${tags}}${assLiteral(line)}`);
    }
  }
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    // 2: no automatic wrapping; the caller wraps.
    'WrapStyle: 2',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, ' +
      'Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: Default,${FAMILY},20,&H00FFFFFF&,&H00FFFFFF&,&H00000000&,&H00000000&,0,0,0,0,100,100,0,0,1,0,0,7,0,0,0,1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...events,
    '',
  ].join('\n');
}
