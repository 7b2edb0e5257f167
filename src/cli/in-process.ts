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

/** The plan runner's view of the client: structured results, tool errors as exceptions. */
export function clientCaller(client: Client): ToolCaller {
  return {
    async call(tool, args, onProgress) {
      const r = await callTool(client, tool, args, onProgress);
      if (r.isError) throw new ToolCallError(tool, failureOf(r));
      return (r.structuredContent ?? {}) as Record<string, unknown>;
    },
  };
}
