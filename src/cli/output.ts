/** stdout is for results (JSON or tables); stderr for progress, logs and errors. */

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLines(lines: string[]): void {
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
}

/** Columns padded to the widest cell; the last column is left ragged. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The first sentence of a description (for one-line listings); "e.g. a" does not end a sentence. */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(?=\s+[A-Z(`'"]|$)/.exec(flat);
  return m?.[1] ?? flat;
}

export function errorLine(message: string): void {
  process.stderr.write(`studio-mcp: ${message}\n`);
}
