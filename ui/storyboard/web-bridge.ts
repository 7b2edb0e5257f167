import { asStoryboard, type Bridge, type Target, type ToolOutcome } from './bridge.js';

/** GET or POST a same-origin /studio/api route; the session cookie (set by /studio/?token=…) goes along. */
async function api(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  if (res.status === 401) throw new Error('not signed in: open the link with ?token=… that studio-mcp printed');
  return res;
}

/** The message of the page's error body `{error: {code, message}}`, or of a plain string error. */
function errorMessage(body: unknown): string {
  if (!body || typeof body !== 'object' || !('error' in body)) return '';
  const e = body.error;
  if (typeof e === 'string') return e;
  return e && typeof e === 'object' && 'message' in e && typeof e.message === 'string' ? e.message : '';
}

async function failure(res: Response): Promise<Error> {
  const text = await res.text();
  let message = '';
  try {
    message = errorMessage(JSON.parse(text));
  } catch {
    message = text.slice(0, 300);
  }
  return new Error(`${res.status} ${res.statusText}${message ? `: ${message}` : ''}`);
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((c: unknown) => (c && typeof c === 'object' && 'text' in c && typeof c.text === 'string' ? c.text : ''))
    .filter(Boolean)
    .join('\n');
}

/** The view as the `--http` web page (/studio/scene/{id}, /studio/film/{id}): the same data over /studio/api. */
export function webBridge(target: Target): Bridge {
  const callTool = async (name: string, args: Record<string, unknown>): Promise<ToolOutcome> => {
    const res = await api('/studio/api/tool', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, arguments: args }),
    });
    if (!res.ok && res.headers.get('content-type')?.includes('json') !== true) throw await failure(res);
    const body = (await res.json()) as Record<string, unknown>;
    const sc = body.structuredContent;
    const text = textOf(body.content) || errorMessage(body);
    return {
      structuredContent: sc && typeof sc === 'object' ? (sc as Record<string, unknown>) : undefined,
      text: text || (res.ok ? '' : `${res.status} ${res.statusText}`),
      isError: !res.ok || body.isError === true,
    };
  };
  return {
    async storyboard() {
      const res = await api(`/studio/api/storyboard/${target.kind}/${encodeURIComponent(target.id)}`);
      if (!res.ok) throw await failure(res);
      const board = asStoryboard(await res.json());
      if (!board) throw new Error('the server returned no storyboard');
      return board;
    },
    async readResource(uri) {
      const res = await api(`/studio/api/resource?uri=${encodeURIComponent(uri)}`);
      if (!res.ok) throw await failure(res);
      return { mimeType: res.headers.get('content-type')?.split(';')[0]?.trim() ?? '', bytes: new Uint8Array(await res.arrayBuffer()) };
    },
    callTool,
    // No agent on the other end of a web page: the person copies the request to their agent.
    askAgent: async () => false,
    tellModel: async () => undefined,
    onPush: () => undefined,
  };
}

/** For the index page: the same fetch with the same message for 401. */
export { api as studioApi };
