import type { McpHttpHandler } from '@modelcontextprotocol/server';

export const MODERN = '2026-07-28';

/** The per-request `_meta` envelope of a 2026-07-28 request: protocol version, client info, client capabilities. */
export function modernEnvelope(capabilities: Record<string, unknown> = {}, client = 'raw-spec-client'): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: client, version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
}

/** The 2026-07-28 standard headers of one request POST (Mcp-Name for the methods that mirror a name). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name ? { 'mcp-name': name } : {}),
  };
}

/** A JSON-RPC answer as it came over the wire. */
export type RpcAnswer = { result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };

/**
 * A 2026-07-28 client written from the spec, not from an SDK: every request is one POST with the per-request
 * `_meta` envelope (protocol version, client info, client capabilities) and the standard headers (MCP-Protocol-
 * Version, Mcp-Method, Mcp-Name for tools/call and tasks/*), served in process through `handler.fetch`.
 * `tasks: true` declares the io.modelcontextprotocol/tasks extension in the request's client capabilities.
 */
export function rawClient(handler: McpHttpHandler): (method: string, params: Record<string, unknown>, opts?: { tasks?: boolean }) => Promise<RpcAnswer> {
  let id = 0;
  return async (method, params, opts = {}) => {
    const capabilities = opts.tasks === false ? {} : { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const body = {
      jsonrpc: '2.0' as const,
      id: ++id,
      method,
      params: { ...params, _meta: modernEnvelope(capabilities) },
    };
    return post(handler, body);
  };
}

/** POST one JSON-RPC request (already framed with its `_meta` envelope) with the 2026-07-28 standard headers. */
export async function post(
  handler: McpHttpHandler,
  message: { jsonrpc: '2.0'; id: number; method: string; params?: Record<string, unknown> },
): Promise<RpcAnswer> {
  const { method, params = {} } = message;
  const name = method === 'tools/call' ? params.name : method.startsWith('tasks/') ? params.taskId : undefined;
  const headers = modernHeaders(method, typeof name === 'string' ? name : undefined);
  const res = await handler.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body: JSON.stringify(message) }));
  const text = await res.text();
  // An answer may come as one JSON body or as the last event of an SSE stream (after notifications).
  const json = (res.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => JSON.parse(l.slice(5)) as { id?: number })
        .find((m) => m.id === message.id)
    : (JSON.parse(text) as unknown);
  if (!json) throw new Error(`no answer to ${method} (HTTP ${res.status}): ${text}`);
  return json as RpcAnswer;
}
