import { loadConfig } from '../../config.js';
import { Studio, WORKER_ROLES, type WorkerRole } from '../../studio/studio.js';
import { UsageError, parseOptions, positiveInt } from '../args.js';

/**
 * `studio-mcp worker [--role provider|render|all] [--concurrency N]`: run work queued by any front end on
 * STUDIO_REDIS_URL, with no MCP front end of its own. `provider`: provider jobs, each provider's limit holding across
 * every worker (BullMQ's global concurrency), --concurrency capping what this one runs at once per provider.
 * `render`: scene and film renders from the `render` queue (STUDIO_RENDER_CONCURRENCY across all), one at a time
 * here unless --concurrency says more. `all` (the default): both, --concurrency for provider jobs, renders one at a
 * time. SIGTERM or SIGINT stops it cleanly: the jobs and renders it was running are given back, so another process
 * takes them at once.
 */
export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, { concurrency: { type: 'string' }, role: { type: 'string' } });
  const role = values.role ?? 'all';
  if (!isRole(role)) throw new UsageError(`--role takes ${WORKER_ROLES.join(', ')} (got '${role}')`);
  const concurrency = values.concurrency === undefined ? undefined : positiveInt(values.concurrency, '--concurrency', 1);
  const config = loadConfig();
  if (!config.redis) {
    throw new UsageError(
      'worker needs STUDIO_REDIS_URL (redis://host:port): workers take provider jobs and renders from queues shared on Redis; without it one ' +
        'studio-mcp process runs everything',
    );
  }
  const studio = new Studio({
    config,
    role,
    // --concurrency is per provider for provider jobs; a render-only worker takes it as renders at once.
    ...(concurrency && role !== 'render' ? { concurrency } : {}),
    ...(concurrency && role === 'render' ? { renderConcurrency: concurrency } : {}),
  });
  await studio.ready();
  const what = role === 'all' ? 'provider jobs and renders' : role === 'render' ? 'renders' : 'provider jobs';
  process.stderr.write(`studio-mcp: worker ${studio.queue.owner} running ${what} from ${config.redis.prefix} queues (data: ${config.home})\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  process.stderr.write(`studio-mcp: worker stopping (${signal}); unfinished work is left for other processes\n`);
  await studio.close();
  return 0;
}

function isRole(v: string): v is WorkerRole {
  return (WORKER_ROLES as readonly string[]).includes(v);
}
