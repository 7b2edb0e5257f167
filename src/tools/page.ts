import { z } from 'zod';
import { invalidInput } from '../errors.js';

/**
 * Paging of list tools. A list answers a small page of compact items by default (lists grow with the library and
 * every byte of a result lands in the agent's context); `cursor` continues it, `detail: 'full'` gives whole records.
 * A cursor is the sort key of the last item returned (keyset paging), so items added meanwhile — newer, hence
 * before the first page — never shift or repeat the pages that follow.
 */

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 500;

export const pageArgs = {
  limit: z.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE).describe(`Items per page (default ${DEFAULT_PAGE}, at most ${MAX_PAGE}).`),
  cursor: z.string().min(1).optional().describe('next_cursor of the previous page, to continue the list.'),
  detail: z.enum(['compact', 'full']).default('compact').describe("compact (default): the main fields of each item; full: each item's whole record."),
};

/** The position after an item: its sort key and its id (ties in the sort key are ordered by id). */
export interface After {
  key: string;
  id: string;
}

export function encodeCursor(after: After): string {
  return Buffer.from(JSON.stringify([after.key, after.id]), 'utf8').toString('base64url');
}

/** The position a cursor names; a cursor not made by encodeCursor is an invalid_input error on `cursor`. */
export function decodeCursor(tool: string, cursor: string | undefined): After | undefined {
  if (cursor === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') {
    throw invalidInput(`${tool}: 'cursor' is not a cursor of this list; pass the next_cursor of the previous page, or leave it out to start from the top`, {
      field: 'cursor',
    });
  }
  return { key: v[0], id: v[1] };
}

/**
 * One page out of `limit + 1` fetched rows: the extra row only tells that more follow, and the cursor points after
 * the last row returned.
 */
export function pageOf<T>(rows: T[], limit: number, after: (row: T) => After): { items: T[]; next_cursor?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next_cursor: encodeCursor(after(items[items.length - 1] as T)) };
}

/** An object without its null and undefined members (compact items and results say only what is known). */
export function withoutNulls<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}
