import { parseOptions } from '../args.js';
import { firstSentence, printJson, printLines, table } from '../output.js';
import { withClient } from '../with-client.js';

/** `studio-mcp tools [--json]`: every tool with a one-line description (tools/list, as an MCP client sees it). */
export async function toolsCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, { json: { type: 'boolean' } });
  const { tools } = await withClient((client) => client.listTools());
  if (values.json)
    printJson(
      tools.map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: t.inputSchema,
        ...(t.outputSchema ? { output_schema: t.outputSchema } : {}),
      })),
    );
  else printLines(table(tools.map((t) => [t.name, firstSentence(t.description ?? '')])));
  return 0;
}
