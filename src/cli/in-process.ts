import { type CallToolResult, Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { ToolCallError, type ProgressFn, type ToolCaller, type ToolFailure } from '../plans/caller.js';
import { SERVER_VERSION, createMcpServer } from '../server.js';
import type { Studio } from '../studio/studio.js';

/** Calls run as long as the job they wait for; the job's own timeout (STUDIO_JOB_TIMEOUT_SECONDS) bounds them. */
const CALL_TIMEOUT_MS = 24 * 3600_000;

/**
 * An MCP client connected to this process's own server over the in-memory transport: the command line goes through
 * exactly the path an MCP client takes (schemas, validation, error mapping, redaction), not around it.
 */
export async function connectInProcess(studio: Studio): Promise<{ client: Client; close: () => Promise<void> }> {
  const { server } = createMcpServer(studio, { forwardEvents: true });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'studio-mcp-cli', version: SERVER_VERSION });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** A tool call's raw MCP result, with progress as a fraction. */
export async function callTool(client: Client, name: string, args: Record<string, unknown>, onProgress?: ProgressFn): Promise<CallToolResult> {
  return (await client.callTool(
    { name, arguments: args },
    {
      timeout: CALL_TIMEOUT_MS,
      resetTimeoutOnProgress: true,
      ...(onProgress ? { onprogress: (p) => onProgress(p.total ? p.progress / p.total : p.progress / 100, p.message) } : {}),
    },
  )) as CallToolResult;
}

/** The error body of a failed call (structuredContent.error), or one made from its text. */
export function failureOf(result: CallToolResult): ToolFailure {
  const body = result.structuredContent as { error?: ToolFailure } | undefined;
  if (body?.error?.code && body.error.message) return body.error;
  const text = result.content.find((c) => c.type === 'text');
  return { code: 'internal', message: text && text.type === 'text' ? text.text : 'the tool failed' };
}

/**
 * The plan runner's view of the client: structured results, tool errors as exceptions. A paid call that asks for
 * confirmation (STUDIO_CONFIRM_USD) is confirmed with its single-use token when the person running the plan said so
 * (`--yes`); otherwise it stops with what to do, and nothing is created.
 */
export function clientCaller(client: Client, opts: { confirmPaid?: boolean } = {}): ToolCaller {
  return {
    async call(tool, args, onProgress) {
      let r = await callTool(client, tool, args, onProgress);
      let body = (r.structuredContent ?? {}) as Record<string, unknown>;
      if (!r.isError && body.status === 'confirmation_required' && typeof body.confirm_token === 'string') {
        if (!opts.confirmPaid) {
          const usd = typeof body.estimate_usd === 'number' ? `$${body.estimate_usd.toFixed(2)}` : 'an unknown price';
          throw new ToolCallError(tool, {
            code: 'confirmation_required',
            message:
              `needs confirmation (${usd}: ${String(body.reason ?? 'a paid call')}); run the plan again with --yes to confirm paid calls, or unset ` +
              `STUDIO_CONFIRM_USD`,
          });
        }
        r = await callTool(client, tool, { ...args, confirm_token: body.confirm_token }, onProgress);
        body = (r.structuredContent ?? {}) as Record<string, unknown>;
      }
      if (r.isError) throw new ToolCallError(tool, failureOf(r));
      return body;
    },
  };
}
