import type { ChangeFeed } from '../store/changes.js';
import type { StudioEvents } from './events.js';

/**
 * Joins this process's change feed (StudioEvents) to the other processes on the same database: every change raised
 * here is published (URIs only; inside the writing transaction when it is raised inside one), and every change
 * another process publishes is raised here as if it were local, so an MCP subscriber on any replica hears it. A
 * listener connection that comes back from a loss announces a list change: what was missed meanwhile is unknown,
 * and clients re-read. Resolves to a function that stops it.
 */
export async function relayChanges(events: StudioEvents, feed: ChangeFeed, origin: string, log: (m: string) => void): Promise<() => Promise<void>> {
  events.setRelay((listChanged, uris) => {
    void feed.publish({ origin, listChanged, uris }).catch((err: unknown) => log(`could not publish a change to other processes: ${String(err)}`));
  });
  const stop = await feed.subscribe(
    (n) => {
      if (n.origin !== origin) events.remote(n.listChanged, n.uris);
    },
    () => events.remote(true, []),
  );
  return async () => {
    events.setRelay(undefined);
    await stop();
  };
}
