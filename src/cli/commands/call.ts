import fs from 'node:fs';
import { UsageError, parseKeyValue, parseOptions } from '../args.js';
import { callTool, failureOf } from '../in-process.js';
import { errorLine, printJson } from '../output.js';
import { createProgress } from '../progress.js';
import { withClient } from '../with-client.js';

function readJsonArgs(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read --json file '${file}'`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--json file '${file}' is not valid JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--json file '${file}' must hold a JSON object of arguments`);
  return parsed as Record<string, unknown>;
}

/**
 * `studio-mcp call <tool> [--json file|-] [--arg key=value …]`: any tool through the MCP path. The result JSON
 * (the tool's structuredContent) goes to stdout; on a tool error the error JSON ({"error": {code, message, …}})
 * goes to stdout too, a one-line summary to stderr, and the exit code is 1.
 */
export async function callCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, { arg: { type: 'string', multiple: true }, json: { type: 'string' } }, 1);
  const tool = positionals[0];
  if (!tool) throw new UsageError('call needs a tool name (see: studio-mcp tools)');
  const args: Record<string, unknown> = values.json ? readJsonArgs(values.json) : {};
  for (const item of values.arg ?? []) {
    const [k, v] = parseKeyValue(item);
    args[k] = v;
  }
  const progress = createProgress();
  const result = await withClient(async (client) => {
    const { tools } = await client.listTools();
    if (!tools.some((t) => t.name === tool)) throw new UsageError(`unknown tool '${tool}' (see: studio-mcp tools)`);
    try {
      return await callTool(client, tool, args, (f, m) => progress.update(f, m ?? tool));
    } finally {
      progress.done();
    }
  });
  if (result.isError) {
    const failure = failureOf(result);
    printJson({ error: failure });
    errorLine(`${tool} failed: ${failure.code}: ${failure.message}`);
    return 1;
  }
  printJson(result.structuredContent ?? {});
  return 0;
}
