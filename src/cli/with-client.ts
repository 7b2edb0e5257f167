import type { Client } from '@modelcontextprotocol/client';
import type { Studio } from '../studio/studio.js';
import { connectInProcess } from './in-process.js';
import { openCliStudio } from './studio.js';

/** Open the studio and an in-process MCP client, run `fn`, and close both whatever happens. */
export async function withClient<T>(fn: (client: Client, studio: Studio) => Promise<T>, extraAllowedDirs: string[] = []): Promise<T> {
  const studio = openCliStudio(extraAllowedDirs);
  try {
    const { client, close } = await connectInProcess(studio);
    try {
      return await fn(client, studio);
    } finally {
      await close();
    }
  } finally {
    await studio.close();
  }
}
