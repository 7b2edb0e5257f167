import { existsSync } from 'node:fs';

/**
 * Helpers to build filtergraph strings safely. Filter option values pass two parsers (the option parser, then the
 * graph parser), so a value is escaped twice, as ffmpeg's filter documentation prescribes. Text a user wrote never
 * goes into a graph at all: it is written to a file and passed with drawtext's `textfile=`.
 */

/** Escape a value for use as `key=<value>` inside a filtergraph. */
export function filterValue(value: string): string {
  // Level 1: the option parser treats \ ' : specially.
  const level1 = value.replace(/[\\':]/g, (c) => '\\' + c);
  // Level 2: the graph parser treats \ ' [ ] , ; specially.
  return level1.replace(/[\\'[\],;]/g, (c) => '\\' + c);
}

const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const DEJAVU_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

/** drawtext's font option: a known font file when present, else fontconfig's "Sans". */
export function fontOption(bold = false): string {
  const file = bold && existsSync(DEJAVU_BOLD) ? DEJAVU_BOLD : DEJAVU;
  return existsSync(file) ? `fontfile=${filterValue(file)}` : 'font=Sans';
}

/** Number formatting for filter expressions: no exponent notation, bounded precision. */
export function num(n: number): string {
  if (!Number.isFinite(n)) throw new Error('non-finite number in a filter expression');
  return Number(n.toFixed(6)).toString();
}

/**
 * A drawtext filter that draws the contents of `textFile` (written by the caller) with expansion off, so `%{…}`
 * and backslashes in user text are drawn literally.
 */
export function drawtextFromFile(
  textFile: string,
  opts: {
    fontSize: number;
    x: string;
    y: string;
    color?: string;
    bold?: boolean;
    box?: boolean;
    lineSpacing?: number;
  },
): string {
  const parts = [
    fontOption(opts.bold),
    `textfile=${filterValue(textFile)}`,
    'expansion=none',
    `fontsize=${Math.max(6, Math.round(opts.fontSize))}`,
    `fontcolor=${opts.color ?? 'white'}`,
    `x=${opts.x}`,
    `y=${opts.y}`,
  ];
  if (opts.lineSpacing !== undefined) parts.push(`line_spacing=${Math.round(opts.lineSpacing)}`);
  if (opts.box) parts.push('box=1', 'boxcolor=black@0.55', 'boxborderw=6');
  return 'drawtext=' + parts.join(':');
}

/** Greedy word wrap to at most `maxLines` lines of `width` characters (long words are cut). */
export function wrapText(text: string, width: number, maxLines: number): string {
  const words = text
    .replace(/\s+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (let word of words) {
    while (word.length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ' ' + word;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = (kept[maxLines - 1] ?? '').slice(0, Math.max(0, width - 3)) + '...';
    return kept.join('\n');
  }
  return lines.join('\n');
}
