import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { type CallToolResult, isInputRequiredResult, ProtocolError, ResourceNotFoundError, Server, type Tool } from '@modelcontextprotocol/server';
import { complete } from './completions.js';
import { redact } from './config.js';
import { canElicit, gatedCall } from './mcp/confirm-gate.js';
import { StudioError, toSafeError } from './errors.js';
import { serveTasks } from './mcp/task-methods.js';
import { declaresTasks, TaskRegistry } from './mcp/tasks.js';
import { getPrompt, listPrompts } from './prompts/index.js';
import { RESOURCE_TEMPLATES, binaryResource, listResources, readResource } from './resources/studio-resources.js';
import { readStoryboardUi, serveApps, STORYBOARD_UI_URI } from './storyboard/app-resource.js';
import type { Studio } from './studio/studio.js';
import { checkArgs } from './tools/check-args.js';
import { allTools } from './tools/index.js';
import { summarize } from './tools/summary.js';
import type { Session, ToolContext, ToolDef } from './tools/types.js';

export const SERVER_NAME = 'studio-mcp';
export const SERVER_VERSION = '0.1.0';
/** The protocol revision without sessions or initialize (served beside the 2025 era). */
export const MODERN_REVISION = '2026-07-28';

const INSTRUCTIONS =
  `studio-mcp makes films. Typical flow: media_import reference images → character_create → film_create → scene_create → shot_create ` +
  `(prompt, model, character) → video_generate(shot_id) for each shot (use_last_frame=true to continue from the previous shot) → voice_tts(shot_id, text, ` +
  `character_id) → lipsync_video(shot_id) → render_scene → render_film. Generation tools take \`model\` from their enum (the models offered here); ` +
  `*_get_capabilities shows a model's exact fields, rules and price. Media arguments are media ids. Long jobs return a job_id: follow with job_wait.`;

/** How long a client may cache a list (2026-07-28 `ttlMs`); every change is also announced to subscribers. */
const LIST_TTL_MS = 5 * 60_000;

export interface McpServerOptions {
  /**
   * Forward studio events (list changes, resource updates) to this instance's client. On for instances that live as
   * long as a connection (stdio, 2025-era HTTP sessions, in-process clients); off for the per-request instances of
   * 2026-07-28 HTTP, whose subscribers are reached through the handler's `notify` instead.
   */
  forwardEvents?: boolean;
}

/**
 * One MCP server instance: for a connection (stdio, a 2025-era HTTP session, an in-process client) or for one
 * 2026-07-28 HTTP request. The studio is shared and holds all state; an instance only holds the 2025-era resource
 * subscriptions of its connection.
 */
export function createMcpServer(studio: Studio, opts: McpServerOptions = {}): { server: Server; session: Session; close: () => void } {
  const tools = new Map<string, ToolDef>(allTools().map((t) => [t.name, t]));
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: false },
        logging: {},
        completions: {},
      },
      instructions: INSTRUCTIONS,
      // The tool list is the same for every client (no per-connection state) and the templates never change.
      cacheHints: {
        'tools/list': { ttlMs: LIST_TTL_MS, cacheScope: 'public' },
        'prompts/list': { ttlMs: LIST_TTL_MS, cacheScope: 'public' },
        'resources/templates/list': { ttlMs: LIST_TTL_MS, cacheScope: 'public' },
        'server/discover': { ttlMs: LIST_TTL_MS, cacheScope: 'public' },
        // Project resources change with every edit; their list and contents are private to the studio's users.
        'resources/list': { ttlMs: 0, cacheScope: 'private' },
        'resources/read': { ttlMs: 0, cacheScope: 'private' },
      },
    },
  );
  const session: Session = { id: randomUUID() };
  // One tool list for every client: it changes only with the studio's offered models, and then every client is told.
  const onToolsChanged = (): void => {
    void server.sendToolListChanged().catch(() => undefined);
  };
  if (opts.forwardEvents) studio.events.on('toolsChanged', onToolsChanged);

  // 2025-era resources/subscribe: the URIs this connection asked for. 2026-07-28 clients subscribe through
  // subscriptions/listen, which the SDK's serving entries filter themselves.
  const subscriptions = new Set<string>();
  const onUpdated = (uri: string): void => {
    if (subscriptions.has(uri) || server.getNegotiatedProtocolVersion() === MODERN_REVISION) {
      void server.sendResourceUpdated({ uri }).catch(() => undefined);
    }
  };
  const onListChanged = (): void => {
    void server.sendResourceListChanged().catch(() => undefined);
  };
  if (opts.forwardEvents) {
    studio.events.on('updated', onUpdated);
    studio.events.on('listChanged', onListChanged);
  }
  // The io.modelcontextprotocol/tasks extension: tasks/get, tasks/update, tasks/cancel over the studio's task table.
  serveTasks(server, studio);
  // The io.modelcontextprotocol/ui extension (MCP Apps): the storyboard view.
  serveApps(server);

  server.setRequestHandler('tools/list', async () => ({
    tools: [...tools.values()].map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      // Our schemas are JSON values built from JSON (capability files, zod's JSON Schema output).
      inputSchema: t.inputSchema(studio) as Tool['inputSchema'],
      ...(t.outputSchema ? { outputSchema: t.outputSchema as Tool['outputSchema'] } : {}),
      annotations: t.annotations,
      ...(t._meta ? { _meta: t._meta } : {}),
    })),
  }));

  /** Run one tool call to a CallToolResult; every failure becomes a safe tool error. */
  const execute = async (tool: ToolDef, args: Record<string, unknown>, ctx: Omit<ToolContext, 'studio' | 'session'>): Promise<CallToolResult> => {
    try {
      const out = await tool.run(checkArgs(tool.name, args, tool.callSchema ? tool.callSchema(studio) : tool.inputSchema(studio)), {
        studio,
        session,
        ...ctx,
      });
      const structured = JSON.parse(redact(JSON.stringify(out.result), studio.config)) as Record<string, unknown>;
      // The result travels once, as structuredContent; the text is a one-line summary of it (ids, status,
      // warnings), made from the redacted result so it can carry nothing the result does not.
      const text = redact(summarize(tool.name, structured), studio.config);
      return {
        content: [{ type: 'text', text }, ...(out.links ?? []).map((l) => ({ type: 'resource_link' as const, ...l }))],
        structuredContent: structured,
      };
    } catch (err) {
      const safe = toSafeError(err);
      if (!(err instanceof StudioError)) studio.log(`tool ${tool.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return errorResult(new StudioError(safe.code, redact(safe.message, studio.config), safe.details));
    }
  };

  server.setRequestHandler('tools/call', async (req, ctx) => {
    const tool = tools.get(req.params.name);
    const args = jsonArgs(req.params.arguments);
    if (!tool) {
      return errorResult(new StudioError('invalid_input', `unknown tool '${req.params.name}'; see tools/list`, { field: 'name' }));
    }
    // Paying tools ask before spending (STUDIO_CONFIRM_USD): an elicitation, or a confirm_token for clients without one.
    const gate = {
      studio,
      config: studio.config,
      tool: tool.name,
      args,
      canElicit: canElicit(ctx.mcpReq.envelope, server.getClientCapabilities()),
      inputResponses: ctx.mcpReq.inputResponses,
      requestState: ctx.mcpReq.requestState(),
      refuse: errorResult,
    };
    // A 2026-07-28 client that declared the tasks extension gets a long call as a task: the handle now, the result
    // through tasks/get. The SDK types tools/call results as CallToolResult only; resultType 'task' passes through.
    if (tool.longRunning && declaresTasks(ctx.mcpReq.envelope)) {
      const answer = await gatedCall({
        ...gate,
        // The probe before a handle: the call runs up to its cost check only.
        run: (a) => execute(tool, a, { signal: ctx.mcpReq.signal, progress: () => undefined }),
        start: async (a) => TaskRegistry.for(studio).start(tool.name, (c) => execute(tool, a, c)),
      });
      if (isInputRequiredResult(answer) || 'task' === (answer as { resultType?: unknown }).resultType) return answer as unknown as CallToolResult;
      return server.projectCallToolResult(answer as CallToolResult, tool.outputSchema);
    }
    const token = req.params._meta?.progressToken;
    let last = -1;
    const progress = (p: number, total: number | undefined, message?: string): void => {
      if (token === undefined) return;
      const value = Math.round(p * 1000) / 10; // percent with one decimal, strictly increasing only
      if (value <= last) return;
      last = value;
      void ctx.mcpReq
        .notify({
          method: 'notifications/progress',
          params: { progressToken: token, progress: value, ...(total === undefined ? {} : { total: 100 }), ...(message ? { message } : {}) },
        })
        .catch(() => undefined);
    };
    const result = await gatedCall({ ...gate, run: (a) => execute(tool, a, { signal: ctx.mcpReq.signal, progress }) });
    return isInputRequiredResult(result) ? result : server.projectCallToolResult(result, tool.outputSchema);
  });

  server.setRequestHandler('resources/list', async () => ({ resources: await listResources(studio) }));
  server.setRequestHandler('resources/templates/list', async () => ({ resourceTemplates: RESOURCE_TEMPLATES }));
  server.setRequestHandler('resources/read', async (req) => {
    try {
      if (req.params.uri === STORYBOARD_UI_URI) return { contents: [await readStoryboardUi(studio)] };
      const p = await binaryResource(studio, req.params.uri);
      if (p) {
        const blob = (await fs.promises.readFile(p.path)).toString('base64');
        return { contents: [{ uri: req.params.uri, mimeType: p.mimeType, blob }] };
      }
      const body = await readResource(studio, req.params.uri);
      return { contents: [{ uri: req.params.uri, mimeType: 'application/json', text: redact(JSON.stringify(body, null, 2), studio.config) }] };
    } catch (err) {
      const safe = toSafeError(err);
      // Resource errors are protocol errors; the message is the safe one.
      if (safe.code === 'not_found') throw new ResourceNotFoundError(req.params.uri, safe.message);
      throw new ProtocolError(-32602, safe.message);
    }
  });
  server.setRequestHandler('resources/subscribe', async (req) => {
    subscriptions.add(req.params.uri);
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', async (req) => {
    subscriptions.delete(req.params.uri);
    return {};
  });
  server.setRequestHandler('completion/complete', async (req) => complete(studio, req.params));
  server.setRequestHandler('prompts/list', async () => ({ prompts: listPrompts() }));
  server.setRequestHandler('prompts/get', async (req) => getPrompt(studio, req.params.name, req.params.arguments ?? {}));

  const close = (): void => {
    studio.events.off('updated', onUpdated);
    studio.events.off('listChanged', onListChanged);
    studio.events.off('toolsChanged', onToolsChanged);
  };
  server.onclose = close;
  return { server, session, close };
}

/**
 * Arguments exactly as a wire client could send them. In-process transports (the CLI, tests) hand over live JS
 * values that JSON cannot carry — `undefined` members, NaN, Infinity — and the services rely on JSON semantics
 * (an absent key is absent, not `undefined` spread over a stored record).
 */
function jsonArgs(a: unknown): Record<string, unknown> {
  if (a === undefined || a === null) return {};
  try {
    const v = JSON.parse(JSON.stringify(a)) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return { '(arguments)': 'not JSON' };
  }
}

function errorResult(err: StudioError): CallToolResult {
  const body = { error: err.toJSON() };
  return { isError: true, content: [{ type: 'text', text: `${err.code}: ${err.message}` }], structuredContent: body };
}
