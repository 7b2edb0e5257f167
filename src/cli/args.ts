import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was invoked (exit code 2, with the usage). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict option parsing: an unknown flag is a usage error, not silently ignored. */
export function parseOptions<O extends Options>(argv: string[], options: O, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: positionals > 0, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument '${parsed.positionals[positionals] ?? ''}'`);
  return parsed;
}

/** `--arg key=value`: the value as JSON when it parses as JSON (numbers, booleans, arrays, objects), else a string. */
export function parseKeyValue(item: string): [string, unknown] {
  const eq = item.indexOf('=');
  if (eq <= 0) throw new UsageError(`--arg takes key=value, got '${item}'`);
  const key = item.slice(0, eq);
  const raw = item.slice(eq + 1);
  try {
    return [key, JSON.parse(raw) as unknown];
  } catch {
    return [key, raw];
  }
}

export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a whole number of 1 or more`);
  return n;
}
