import fs from 'node:fs';
import path from 'node:path';
import type { StudioConfig } from '../../src/config.js';
import { runFfmpeg } from '../../src/media/ffmpeg.js';
import { testClip } from '../helpers/clips.js';
import { createAdapters } from '../../src/providers/index.js';
import type { AdapterDeps } from '../../src/providers/common.js';
import type { VertexDeps } from '../../src/providers/vertex.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { tempDir } from '../helpers/harness.js';

/** The error codes an agent may see (src/errors.ts); `internal` is listed but is a defect wherever it shows up. */
export const DOCUMENTED_CODES = [
  'invalid_input',
  'safety_blocked',
  'rate_limited',
  'quota',
  'provider_unavailable',
  'provider_error',
  'timeout',
  'not_found',
  'conflict',
  'canceled',
  'budget_exceeded',
  'internal',
] as const;

/** Fast retries and polls, and a DNS lookup that never leaves the machine: failure paths finish in milliseconds. */
export const FAST_DEPS: AdapterDeps = {
  pollIntervalMs: 10,
  retry: { baseDelayMs: 2, maxDelayMs: 5, maxRetries: 2, maxRetryAfterMs: 50 },
  lookup: async () => ['93.184.216.34'],
  timeoutMs: 5_000,
  downloadTimeoutMs: 5_000,
  env: {},
};

/** The real adapters with fast retry/poll settings, to hand to a Studio as `adapters`. */
export function fastAdapters(config: StudioConfig, extra: VertexDeps = {}): Map<string, ProviderAdapter> {
  return createAdapters(config, { ...FAST_DEPS, ...extra });
}

export interface Fixtures {
  dir: string;
  png: string;
  jpg: string;
  wav: string;
  mp4: string;
}

/** Small real media files (made once per test file). */
export async function makeFixtures(): Promise<Fixtures> {
  const dir = tempDir('studio-sec-fix-');
  const f: Fixtures = {
    dir,
    png: path.join(dir, 'face.png'),
    jpg: path.join(dir, 'out.jpg'),
    wav: path.join(dir, 'line.wav'),
    mp4: path.join(dir, 'clip.mp4'),
  };
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=1:duration=1', '-frames:v', '1', `file:${f.png}`]);
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=1:duration=1', '-frames:v', '1', `file:${f.jpg}`]);
  await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-ac', '1', '-ar', '16000', `file:${f.wav}`]);
  await testClip(f.mp4);
  return f;
}

/** Every notification a client receives, as JSON text (for grepping). */
/** Any MCP client (SDK 2.x or 1.x): both deliver unhandled notifications to this hook. */
interface NotifyingClient {
  fallbackNotificationHandler?: (n: never) => Promise<void>;
}

export function recordNotifications(client: NotifyingClient): unknown[] {
  const seen: unknown[] = [];
  client.fallbackNotificationHandler = async (n: unknown) => {
    seen.push(n);
  };
  return seen;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
