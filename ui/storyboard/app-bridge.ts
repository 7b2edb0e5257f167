import { App, applyDocumentTheme, PostMessageTransport } from '@modelcontextprotocol/ext-apps';
import type { Storyboard } from '../../src/storyboard/types.js';
import { asStoryboard, type Bridge, errorText, type ResourceBytes, type Target, type ToolOutcome, targetArgs, targetFromArgs } from './bridge.js';

type ToolResult = Awaited<ReturnType<App['callServerTool']>>;

function outcome(r: ToolResult): ToolOutcome {
  const text = r.content
    .map((c) => (c.type === 'text' ? c.text : ''))
    .filter(Boolean)
    .join('\n');
  const sc: unknown = r.structuredContent;
  return { structuredContent: sc && typeof sc === 'object' ? (sc as Record<string, unknown>) : undefined, text, isError: r.isError === true };
}

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The view inside an MCP Apps host (Claude, ChatGPT, VS Code, …): the host hands over storyboard_show's arguments
 * and result, and proxies storyboard_get, the app-only tools and resources/read to the server.
 */
export async function connectApp(): Promise<Bridge> {
  const app = new App({ name: 'studio-storyboard', version: '1.0.0' }, {}, { autoResize: true });
  let target: Target | null = null;
  let listener: ((b: Storyboard) => void) | null = null;
  let early: Storyboard | null = null;
  // Handlers before connect: the host may send the tool input and result right after the handshake.
  app.ontoolinput = (p) => {
    target = targetFromArgs(p.arguments) ?? target;
  };
  app.ontoolresult = (p) => {
    const board = asStoryboard(p.structuredContent);
    if (!board) return;
    target = { kind: board.kind, id: board.id };
    if (listener) listener(board);
    else early = board;
  };
  app.onhostcontextchanged = (ctx) => {
    if (ctx.theme) applyDocumentTheme(ctx.theme);
  };
  await app.connect(new PostMessageTransport(window.parent, window.parent));
  const theme = app.getHostContext()?.theme;
  if (theme) applyDocumentTheme(theme);

  const callTool = async (name: string, args: Record<string, unknown>): Promise<ToolOutcome> => outcome(await app.callServerTool({ name, arguments: args }));

  return {
    async storyboard() {
      if (!target) return null;
      const r = await callTool('storyboard_get', targetArgs(target));
      if (r.isError) throw new Error(r.text || 'storyboard_get failed');
      const board = asStoryboard(r.structuredContent);
      if (!board) throw new Error('storyboard_get returned no storyboard');
      return board;
    },
    async readResource(uri): Promise<ResourceBytes> {
      const r = await app.readServerResource({ uri });
      const c = r.contents[0];
      if (!c) throw new Error(`${uri}: the server returned no contents`);
      const mimeType = c.mimeType ?? '';
      if ('blob' in c && typeof c.blob === 'string') return { mimeType, bytes: base64Bytes(c.blob) };
      if ('text' in c && typeof c.text === 'string') return { mimeType, bytes: new TextEncoder().encode(c.text) };
      throw new Error(`${uri}: unreadable contents`);
    },
    callTool,
    async askAgent(text) {
      if (!app.getHostCapabilities()?.message) return false;
      try {
        const r = await app.sendMessage({ role: 'user', content: [{ type: 'text', text }] });
        return r.isError !== true;
      } catch (err) {
        console.warn(`ui/message failed: ${errorText(err)}`);
        return false;
      }
    },
    async tellModel(text) {
      if (!app.getHostCapabilities()?.updateModelContext) return;
      await app.updateModelContext({ content: [{ type: 'text', text }] });
    },
    onPush(fn) {
      listener = fn;
      if (early) fn(early);
      early = null;
    },
  };
}
