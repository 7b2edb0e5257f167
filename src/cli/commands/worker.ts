import { loadConfig } from '../../config.js';
import { Studio } from '../../studio/studio.js';
import { UsageError, parseOptions, positiveInt } from '../args.js';

/**
 * `studio-mcp worker [--concurrency N]`: run provider jobs queued by any front end on STUDIO_REDIS_URL, with no MCP
 * front end of its own. Each provider's limit holds across every worker (BullMQ's global concurrency); --concurrency
 * caps what this one runs at once per provider. SIGTERM or SIGINT stops it cleanly: the jobs it was running keep
 * their rows and give back their leases, so another process takes them at once.
 */
export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, { concurrency: { type: 'string' } });
  const config = loadConfig();
  if (!config.redis) {
    throw new UsageError(
      'worker needs STUDIO_REDIS_URL (redis://host:port): workers take provider jobs from queues shared on Redis; without it one studio-mcp process runs ' +
        'everything',
    );
  }
  const concurrency = values.concurrency === undefined ? undefined : positiveInt(values.concurrency, '--concurrency', 1);
  const studio = new Studio({ config, ...(concurrency ? { concurrency } : {}) });
  await studio.ready();
  process.stderr.write(`studio-mcp: worker ${studio.queue.owner} running provider jobs from ${config.redis.prefix} queues (data: ${config.home})\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  process.stderr.write(`studio-mcp: worker stopping (${signal}); unfinished jobs are left for other processes\n`);
  await studio.close();
  return 0;
}
