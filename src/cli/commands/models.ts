import { UsageError, parseOptions } from '../args.js';
import { callTool, failureOf } from '../in-process.js';
import { errorLine, printJson, printLines, table } from '../output.js';
import { withClient } from '../with-client.js';

interface ModelRow {
  model: string;
  task: string;
  media_type: string;
  available: boolean;
  unavailable_reason?: string;
  env?: string[];
  pricing?: { usd: number; per: string };
}

const TYPES = ['video', 'image', 'voice'] as const;

function price(p: ModelRow['pricing']): string {
  if (!p) return '?';
  return p.usd === 0 ? 'free' : `$${p.usd}/${p.per}`;
}

/** `studio-mcp models [--type video|image|voice] [--json]`: what can run here and, when not, why (models_list). */
export async function modelsCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, { type: { type: 'string' }, json: { type: 'boolean' } });
  const type = values.type;
  if (type !== undefined && !(TYPES as readonly string[]).includes(type)) throw new UsageError(`--type takes ${TYPES.join(', ')}`);
  const r = await withClient((client) => callTool(client, 'models_list', { ...(type ? { media_type: type } : {}), detail: 'full', limit: 500 }));
  if (r.isError) {
    errorLine(failureOf(r).message);
    return 1;
  }
  const models = (r.structuredContent as { models: ModelRow[] }).models;
  if (values.json) {
    printJson(models);
    return 0;
  }
  const rows = models.map((m) => [
    m.model,
    m.task,
    m.available ? 'yes' : 'no',
    price(m.pricing),
    m.available ? '' : `${m.unavailable_reason ?? 'unavailable'}${m.env?.length ? ` (set ${m.env.join(' / ')})` : ''}`,
  ]);
  printLines(table([['MODEL', 'TASK', 'AVAILABLE', 'PRICE', 'WHY NOT'], ...rows]));
  const n = models.filter((m) => m.available).length;
  printLines([``, `${n} of ${models.length} models can run here.`]);
  return 0;
}
