/**
 * `items.map(fn)` for an async `fn`, one item at a time, in order: store reads stay sequential (one connection's
 * worth of work, the same order as the synchronous code they replaced).
 */
export async function mapAsync<T, U>(items: readonly T[], fn: (item: T, index: number) => Promise<U>): Promise<U[]> {
  const out: U[] = [];
  for (const [i, item] of items.entries()) out.push(await fn(item, i));
  return out;
}
