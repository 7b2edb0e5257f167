/**
 * Tool calls as the documentation writes them — `tool(arg: value, …)` in the prompts, `tool(arg, arg)` or
 * `tool(arg: value)` in the README — read generically, so the tests follow the texts as they change.
 */

export interface DocArg {
  name: string;
  /** The written value (`"sht_1"`, `true`, `0.5`, `["<media_id>"]`), or undefined when only the name is written. */
  value: unknown;
}

export interface DocCall {
  tool: string;
  args: DocArg[];
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Every `` `tool_name(…)` `` in `text`, in order of appearance. */
export function docCalls(text: string): DocCall[] {
  const out: DocCall[] = [];
  const re = /`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 0;
    let current = '';
    const parts: string[] = [];
    let inString = false;
    for (let i = m.index + m[0].length; i < text.length; i++) {
      const c = text[i] as string;
      if (c === '"') inString = !inString;
      if (!inString && (c === '{' || c === '[' || c === '(')) depth++;
      if (!inString && (c === '}' || c === ']' || c === ')')) {
        if (depth === 0) break;
        depth--;
      }
      if (!inString && depth === 0 && c === ',') {
        parts.push(current);
        current = '';
      } else current += c;
    }
    parts.push(current);
    const args: DocArg[] = [];
    for (const part of parts) {
      const named = /^\s*([a-z_][a-z0-9_]*)\s*(?::\s*([\s\S]*?))?\s*$/.exec(part);
      if (!named?.[1]) continue;
      args.push({ name: named[1], value: named[2] === undefined ? undefined : parseValue(named[2]) });
    }
    out.push({ tool: m[1] as string, args });
  }
  return out;
}

/** A written placeholder such as `"<shot_id>"` or `"<the line>"`. */
export function isPlaceholder(v: unknown): boolean {
  return typeof v === 'string' && /^<[^>]+>$/.test(v);
}
