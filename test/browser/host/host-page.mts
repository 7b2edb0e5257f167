// The test host: what an MCP Apps host (Claude, ChatGPT, …) does for the storyboard, in a page the tests load. It
// embeds the view in a sandboxed iframe and speaks to it through ext-apps' own host-side AppBridge; the bridge's tool
// calls and resource reads go to functions the test exposes (page.exposeFunction), which forward them to a real MCP
// client connected to the real server in Node. Bundled by test/browser/lib/host-server.ts; type-checked with the
// view (ui/tsconfig.json: DOM types).
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

type Params = Record<string, unknown>;
interface HostRelay {
  hostCallTool(params: Params): Promise<Params>;
  hostReadResource(params: Params): Promise<Params>;
  hostMessage(params: Params): Promise<void>;
  hostModelContext(params: Params): Promise<void>;
  /** The tool call whose result this view shows: storyboard_show's arguments and result. */
  hostToolCall(): Promise<{ arguments: Params; result: Params }>;
}

const relay = window as unknown as Window & HostRelay;

async function start(): Promise<void> {
  const iframe = document.getElementById('app') as HTMLIFrameElement;
  const target = iframe.contentWindow;
  if (!target) throw new Error('no iframe window');
  const bridge = new AppBridge(
    null,
    { name: 'studio-test-host', version: '1.0.0' },
    { serverTools: {}, serverResources: {}, message: { text: {} }, updateModelContext: { text: {} }, logging: {} },
    { hostContext: { theme: 'light', displayMode: 'inline' } },
  );
  // The relay's answers are JSON from the MCP client; AppBridge validates them against the protocol's schemas.
  bridge.oncalltool = async (params) => (await relay.hostCallTool(params as Params)) as never;
  bridge.onreadresource = async (params) => (await relay.hostReadResource(params as Params)) as never;
  bridge.onmessage = async (params) => {
    await relay.hostMessage(params as Params);
    return {};
  };
  bridge.onupdatemodelcontext = async (params) => {
    await relay.hostModelContext(params as Params);
    return {};
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${Math.ceil(height)}px`;
  };
  bridge.oninitialized = () => {
    void relay.hostToolCall().then(async (call) => {
      await bridge.sendToolInput({ arguments: call.arguments });
      await bridge.sendToolResult(call.result as never);
    });
  };
  await bridge.connect(new PostMessageTransport(target, target));
  // Only now load the view, so its ui/initialize finds the bridge listening.
  iframe.src = '/app.html';
}

start().catch((err: unknown) => {
  document.body.dataset.hostError = String(err);
});
