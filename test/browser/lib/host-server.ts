import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository root: the nearest folder up with a package.json (this file also runs compiled, from dist/, in the bench). */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const root = repoRoot();
export const STORYBOARD_HTML = path.join(root, 'dist/ui/storyboard.html');

/** The CSP the MCP Apps spec tells hosts to apply to a view that declares no `ui.csp`: no origins, data: media. */
export const APP_DEFAULT_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data:; connect-src 'none'";

const BLANK_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blank</title></head><body><p>blank</p>' +
  "<script>requestAnimationFrame(() => setTimeout(() => performance.mark('storyboard-painted')));</script></body></html>";

export interface HostServer {
  url: string;
  close: () => Promise<void>;
}

/**
 * A tiny local server for the App tests: `/` is the test host page (host-page.mts bundled with AppBridge), `/app.html`
 * the built view under the Apps default CSP. The host puts the view in an iframe with sandbox="allow-scripts" (an
 * opaque origin, as real hosts do), so the view is inside a host: window.parent !== window.
 */
export async function startHostServer(): Promise<HostServer> {
  const bundle = await build({
    entryPoints: [path.join(root, 'test/browser/host/host-page.mts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  const hostHtml =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>test host</title>' +
    '<style>body{margin:0}iframe{border:0;width:100%;height:720px;display:block}</style></head><body>' +
    `<iframe id="app" title="Storyboard" sandbox="allow-scripts"></iframe><script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/host.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(hostHtml);
    } else if (req.url === '/blank.html') {
      // The benchmark's baseline: the least page there is, marking when it has painted like the view does.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(BLANK_HTML);
    } else if (req.url === '/app.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': APP_DEFAULT_CSP });
      res.end(fs.readFileSync(STORYBOARD_HTML));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
