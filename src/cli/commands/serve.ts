import { loadConfig } from '../../config.js';
import { Studio } from '../../studio/studio.js';
import { serveHttp } from '../../transports/http.js';
import { bindRefusal, publicUrlRefusal, webBase } from '../../transports/http-host.js';
import { serveStdio } from '../../transports/stdio.js';
import { UsageError, parseOptions } from '../args.js';
import { httpPort } from '../http-port.js';

/**
 * No command: the MCP server, on stdio (default) or Streamable HTTP (--http [--port N] [--host ADDR]). With
 * STUDIO_REDIS_URL, --no-work makes it a front end that queues provider jobs and renders for `studio-mcp worker`
 * processes and runs none itself.
 */
export async function serveCommand(argv: string[]): Promise<number | 'serving'> {
  // --stdio is accepted (and is the default) for client configs that spell the transport out.
  const { values } = parseOptions(argv, {
    http: { type: 'boolean' },
    port: { type: 'string' },
    host: { type: 'string' },
    stdio: { type: 'boolean' },
    'no-work': { type: 'boolean' },
  });
  if (values.stdio && values.http) throw new UsageError('choose --stdio or --http');
  if (values.port !== undefined && !values.http) throw new UsageError('--port goes with --http');
  if (values.host !== undefined && !values.http) throw new UsageError('--host goes with --http');
  // Only --http reads the port (a stray STUDIO_HTTP_PORT must not stop a stdio server).
  const port = values.http ? httpPort(values.port) : undefined;
  const config = loadConfig();
  const host = values.host ?? config.http.host ?? '127.0.0.1';
  // Refused before the studio opens: off loopback, the token is the only guard.
  const refusal = port !== undefined ? (bindRefusal(host, config.secrets.httpToken) ?? publicUrlRefusal(config.http.publicUrl)) : undefined;
  if (refusal) throw new UsageError(refusal);
  const noWork = values['no-work'] === true;
  if (noWork && !config.redis) throw new UsageError('--no-work needs STUDIO_REDIS_URL: without a queue shared with workers, nothing would run the jobs');
  const studio = new Studio({ config, ...(noWork ? { work: false } : {}) });
  // Tools are listed with the live models cached by earlier runs, so those are registered first.
  await studio.ready();
  if (port !== undefined) {
    const server = await serveHttp(studio, { port, host });
    const addr = server.address() as { port: number };
    process.stderr.write(
      `studio-mcp: Streamable HTTP on http://${host}:${addr.port}/mcp, storyboard page on ${webBase(host, addr.port, config.http.publicUrl)}/studio/ (data: ` +
        `${studio.config.home})\n`,
    );
    return 'serving';
  }
  await serveStdio(studio);
  return 'serving';
}
