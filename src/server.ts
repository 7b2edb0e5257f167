import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { RequestTaskStore } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { redact } from './config.js';
import { StudioError, toSafeError } from './errors.js';
import { getPrompt, listPrompts } from './prompts/index.js';
import { RESOURCE_TEMPLATES, listResources, readResource } from './resources/studio-resources.js';
import type { Studio } from './studio/studio.js';
import { checkArgs } from './tools/check-args.js';
import { allTools } from './tools/index.js';
import { summarize } from './tools/summary.js';
import type { Session, ToolContext, ToolDef } from './tools/types.js';

export const SERVER_NAME = 'studio-mcp';
export const SERVER_VERSION = '0.1.0';

const INSTRUCTIONS =
  `studio-mcp makes films. Typical flow: media_import reference images → character_create → film_create → scene_create → shot_create ` +
  `(prompt, model, character) → video_generate(shot_id) for each shot (use_last_frame=true to continue from the previous shot) → voice_tts(shot_id, text, ` +
  `character_id) → lipsync_video(shot_id) → render_scene → render_film. Generation tools take \`model\` from their enum (the models offered here); ` +
  `*_get_capabilities shows a model's exact fields, rules and price. Media arguments are media ids. Long jobs return a job_id: follow with job_wait.`;

/**
 * One MCP server for one client connection (stdio: the process; HTTP: one per session). The studio is shared;
 * subscriptions and notifications belong to this connection only (the tool list is the same for all).
 */
export function createMcpServer(studio: Studio): { server: Server; session: Session; close: () => void } {
  const tools = new Map<string, ToolDef>(allTools().map((t) => [t.name, t]));
  // Experimental MCP tasks: a client that supports them can run long tools as tasks and poll tasks/get. The
  // durable record stays the studio job; the task store only maps a task to its tool result for this connection.
  const taskStore = new InMemoryTaskStore();
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: false },
        logging: {},
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      instructions: INSTRUCTIONS,
      taskStore,
    },
  );
  let connected = false;
  server.oninitialized = () => {
    connected = true;
  };
  const session: Session = { id: randomUUID() };
  // One tool list for every connection: it changes only with the studio's offered models, and then everyone is told.
  const onToolsChanged = (): void => {
    if (connected) void server.sendToolListChanged().catch(() => undefined);
  };
  studio.events.on('toolsChanged', onToolsChanged);

  const subscriptions = new Set<string>();
  const onUpdated = (uri: string): void => {
    if (connected && subscriptions.has(uri)) void server.sendResourceUpdated({ uri }).catch(() => undefined);
  };
  const onListChanged = (): void => {
    if (connected) void server.sendResourceListChanged().catch(() => undefined);
  };
  studio.events.on('updated', onUpdated);
  studio.events.on('listChanged', onListChanged);

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...tools.values()].map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema(studio),
      ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
      annotations: t.annotations,
      ...(t.longRunning ? { execution: { taskSupport: 'optional' as const } } : {}),
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

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const tool = tools.get(req.params.name);
    const args = jsonArgs(req.params.arguments);
    if (req.params.task && extra.taskStore) {
      return startTask(extra.taskStore, req.params.task.ttl, tool, args);
    }
    if (!tool) {
      return errorResult(new StudioError('invalid_input', `unknown tool '${req.params.name}'; see tools/list`, { field: 'name' }));
    }
    const token = req.params._meta?.progressToken;
    let last = -1;
    const progress = (p: number, total: number | undefined, message?: string): void => {
      if (token === undefined) return;
      const value = Math.round(p * 1000) / 10; // percent with one decimal, strictly increasing only
      if (value <= last) return;
      last = value;
      void extra
        .sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: value, total: total === undefined ? undefined : 100, ...(message ? { message } : {}) },
        })
        .catch(() => undefined);
    };
    return execute(tool, args, { signal: extra.signal, progress });
  });

  /** A tool call as an MCP task: answered at once with the task, finished in the background without a wait bound. */
  const startTask = async (store: RequestTaskStore, ttl: number | null | undefined, tool: ToolDef | undefined, args: Record<string, unknown>) => {
    const task = await store.createTask({ ttl: ttl ?? 24 * 3600_000, pollInterval: 1000 });
    const controller = new AbortController();
    const watch = setInterval(() => {
      void store.getTask(task.taskId).then((t) => {
        if (t?.status === 'cancelled') controller.abort();
      });
    }, 1000);
    void (async () => {
      const result = tool
        ? await execute(tool, args, { signal: controller.signal, progress: () => undefined, waitMs: 24 * 3600_000 })
        : errorResult(new StudioError('invalid_input', 'unknown tool; see tools/list', { field: 'name' }));
      clearInterval(watch);
      if (!controller.signal.aborted) await store.storeTaskResult(task.taskId, result.isError ? 'failed' : 'completed', result).catch(() => undefined);
    })();
    return { task };
  };

  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: listResources(studio) }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: RESOURCE_TEMPLATES }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    try {
      const body = readResource(studio, req.params.uri);
      return { contents: [{ uri: req.params.uri, mimeType: 'application/json', text: redact(JSON.stringify(body, null, 2), studio.config) }] };
    } catch (err) {
      const safe = toSafeError(err);
      // Resource errors are protocol errors; the message is the safe one.
      throw Object.assign(new Error(safe.message), { code: safe.code === 'not_found' ? -32002 : -32602 });
    }
  });
  server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    subscriptions.add(req.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscriptions.delete(req.params.uri);
    return {};
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: listPrompts() }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) => getPrompt(studio, req.params.name, req.params.arguments ?? {}));

  const close = (): void => {
    taskStore.cleanup();
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
