import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Capability, type CapabilityField } from '../../src/capabilities/types.js';
import { loadConfig, type StudioConfig } from '../../src/config.js';
import type { AdapterDeps } from '../../src/providers/common.js';
import type { AdapterContext, MediaInput, ProviderAdapter, ProviderOutput, ProviderRequest } from '../../src/providers/types.js';

/** Recognisable fake secrets: tests assert none of them ever appears in an error message. */
export const SECRETS = {
  replicate: 'r8_TESTSECRET_replicate_0123456789',
  elevenlabs: 'sk-TESTSECRET-elevenlabs-0123456789',
  wavespeed: 'sk-TESTSECRET-wavespeed-0123456789',
  google: 'AIza-TESTSECRET-google-0123456789',
  googleToken: 'ya29.TESTSECRET-token-0123456789',
} as const;

export function configFor(env: Record<string, string>): StudioConfig {
  return loadConfig({ STUDIO_HOME: '/tmp/studio-test', ...env }, '/tmp');
}

/** Fast retries and polls, and a DNS lookup that never leaves the machine. */
export const FAST: AdapterDeps = {
  pollIntervalMs: 5,
  retry: { baseDelayMs: 5, maxDelayMs: 20, maxRetries: 3 },
  lookup: async () => ['93.184.216.34'],
  env: {},
};

/**
 * A sleep that records how long it was asked to wait and returns at once: a retry delay is asserted as the number
 * the client chose (e.g. exactly the Retry-After), never measured on the wall clock. Pair it with `random: () => 0`
 * so no jitter is added.
 */
export function recordingSleep(): { sleep: NonNullable<AdapterDeps['sleep']>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
    },
  };
}

export interface TestDir {
  dir: string;
  cleanup: () => Promise<void>;
}

export async function tempDir(): Promise<TestDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'studio-prov-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function makeCtx(workDir: string, signal: AbortSignal = new AbortController().signal): AdapterContext {
  return { signal, fetch: globalThis.fetch, workDir, log: () => undefined };
}

let mediaCounter = 0;
export async function makeMedia(dir: string, kind: MediaInput['kind'], mime: string, content?: Buffer): Promise<MediaInput> {
  mediaCounter++;
  const data = content ?? Buffer.from(`${kind}-${mediaCounter}-`.repeat(50));
  const ext = mime.split('/')[1] ?? 'bin';
  const p = path.join(dir, `input-${mediaCounter}.${ext}`);
  await writeFile(p, data);
  return { mediaId: `med_${kind}_${mediaCounter}`, path: p, mime, kind, sha256: 'x', bytes: data.length };
}

export function capability(
  partial: Partial<Capability> & Pick<Capability, 'provider' | 'provider_model' | 'adapter'> & { fields: Record<string, CapabilityField> },
): Capability {
  return Capability.parse({
    id: `${partial.provider}/${partial.provider_model}`,
    title: partial.provider_model,
    description: 'test capability',
    media_type: 'video',
    task: 'video_generate',
    output: { mime: 'video/mp4' },
    ...partial,
  });
}

export function request(cap: Capability, fields: Record<string, unknown>, jobId = 'job_test'): ProviderRequest {
  return { jobId, capability: cap, fields };
}

/** Start, poll until terminal (without sleeping) and return the outputs or throw the failure. */
export async function runToEnd(adapter: ProviderAdapter, req: ProviderRequest, ctx: AdapterContext, maxPolls = 50): Promise<ProviderOutput[]> {
  const started = await adapter.start(req, ctx);
  if (started.kind === 'done') return started.outputs;
  for (let i = 0; i < maxPolls; i++) {
    const r = await adapter.poll(started.operationId, req, ctx);
    if (r.state === 'succeeded') return r.outputs;
    if (r.state === 'failed') throw r.error;
  }
  throw new Error('did not finish');
}

/** Run `fn`, expecting a rejection; return the error. */
export async function failure(fn: () => Promise<unknown>): Promise<{ code?: string; message: string; details?: Record<string, unknown> }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { code?: string; message: string; details?: Record<string, unknown> };
    return e;
  }
  throw new Error('expected a failure, got success');
}

/** Assert no secret leaks into a text. */
export function leaks(text: string): string[] {
  return Object.values(SECRETS).filter((s) => text.includes(s) || text.includes(s.slice(0, 16)));
}
