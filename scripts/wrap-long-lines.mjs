#!/usr/bin/env node
// Wrap the lines a formatter leaves longer than the limit: Biome breaks code but never splits a string literal.
// A line whose longest string literal can be cut at a space becomes `'first part ' +` and `'rest'` (recursively);
// run `npm run format` afterwards to lay the concatenations out. Lines it cannot wrap safely (comments, regexes,
// tagged templates, a literal followed by `.method()`) are listed and make it exit 1.
//   node scripts/wrap-long-lines.mjs [--check] [--max=160] [dirs...]   (default dirs: src test bench scripts ui)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const check = args.includes('--check');
const max = Number(args.find((a) => a.startsWith('--max='))?.slice(6) ?? 160);
const dirs = args.filter((a) => !a.startsWith('--'));

function files(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && /\.(ts|mts|mjs|js)$/.test(d.name))
    .map((d) => path.join(d.parentPath ?? d.path, d.name));
}

/** Spans [start, end] (quotes included) of the string literals on one line; undefined if the line is not understood. */
function literals(line) {
  const spans = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '/' && line[i + 1] === '/') break;
    if (c === "'" || c === '"' || c === '`') {
      const start = i;
      let depth = 0;
      i++;
      while (i < line.length) {
        if (line[i] === '\\') i += 2;
        else if (c === '`' && line[i] === '$' && line[i + 1] === '{') depth++, (i += 2);
        else if (c === '`' && depth > 0 && line[i] === '}') depth--, i++;
        else if (line[i] === c && depth === 0) break;
        else i++;
      }
      if (i >= line.length) return undefined;
      spans.push([start, i]);
    }
    i++;
  }
  return spans;
}

/** Where to cut the literal content so the first line fits; -1 if nowhere. */
function cutAt(line, [s, e], limit) {
  const q = line[s];
  const room = limit - 2 - 1; // ` +` after the closing quote
  let depth = 0;
  let best = -1;
  for (let k = s + 1; k < e; k++) {
    if (line[k] === '\\') {
      k++;
      continue;
    }
    if (q === '`' && line[k] === '$' && line[k + 1] === '{') depth++;
    if (q === '`' && depth > 0 && line[k] === '}') depth--;
    if (depth === 0 && line[k] === ' ' && k + 1 <= room && k > s + 10) best = k;
  }
  return best;
}

function wrap(line) {
  if (line.length <= max) return [line];
  const trimmed = line.trimStart();
  if (trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*')) return undefined;
  const spans = literals(line);
  if (!spans?.length) return undefined;
  const [s, e] = spans.reduce((a, b) => (b[1] - b[0] > a[1] - a[0] ? b : a));
  if (s > 0 && /[\w$)\]]/.test(line[s - 1])) return undefined; // tagged template
  if (/^(\?\.|\.|\[)/.test(line.slice(e + 1))) return undefined; // 'a' + 'b'.m() would change meaning
  const k = cutAt(line, [s, e], max);
  if (k < 0) return undefined;
  const q = line[s];
  const indent = line.match(/^\s*/)[0] + '  ';
  const first = `${line.slice(0, k + 1)}${q} +`;
  const rest = wrap(`${indent}${q}${line.slice(k + 1)}`);
  return rest && [first, ...rest];
}

let changed = 0;
const left = [];
for (const file of (dirs.length ? dirs : ['src', 'test', 'bench', 'scripts', 'ui']).flatMap(files)) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const out = [];
  lines.forEach((line, n) => {
    if (line.length <= max) return void out.push(line);
    const w = check ? undefined : wrap(line);
    if (w) {
      out.push(...w);
      changed++;
    } else {
      out.push(line);
      left.push(`${file}:${n + 1}: ${line.length} characters`);
    }
  });
  if (!check && out.length !== lines.length) writeFileSync(file, out.join('\n'));
}
if (!check) console.log(`wrapped ${changed} line(s) longer than ${max} characters`);
for (const l of left) console.log(l);
process.exit(left.length ? 1 : 0);
