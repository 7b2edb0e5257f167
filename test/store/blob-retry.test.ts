import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { StudioError } from '../../src/errors.js';
import { Readable } from 'node:stream';
import { BlobExistsError, BlobNotFoundError, type BlobBackend } from '../../src/store/blob-backend.js';
import { openBlobBackend } from '../../src/store/blob-open.js';
import { BLOB_RETRY_MS, RetryingBlobBackend } from '../../src/store/blob-retry.js';

/**
 * Writes to object storage ride out a failing service for a bounded time (STUDIO_S3_RETRY_SECONDS): retryable
 * failures are tried again with backoff, anything else goes to the caller at once. The time is simulated.
 */
function flaky(failures: StudioError[]): { backend: BlobBackend; puts: number } {
  const state = { puts: 0, backend: undefined as unknown as BlobBackend };
  const unused = async (): Promise<never> => {
    throw new Error('not used');
  };
  state.backend = {
    kind: 's3',
    put: async () => {
      state.puts++;
      const f = failures.shift();
      if (f) throw f;
    },
    openRead: unused,
    exists: async () => true,
    delete: async () => undefined,
    materialize: unused,
    presignGet: async () => null,
    localPath: () => undefined,
  };
  return state;
}

const unavailable = (status?: number): StudioError =>
  new StudioError('provider_unavailable', 'object storage: upload failed', { retryable: true, ...(status ? { status } : {}) });

describe('RetryingBlobBackend', () => {
  it('tries a put again after 503s and dropped connections, backing off, until it succeeds', async () => {
    const inner = flaky([unavailable(503), unavailable(), unavailable(503)]);
    const waits: number[] = [];
    const b = new RetryingBlobBackend(inner.backend, 60_000, async (ms) => void waits.push(ms));
    await b.put('media/video/abc.mp4', Buffer.from('x'), { onlyIfAbsent: true });
    expect(inner.puts).toBe(4);
    expect(waits).toEqual([250, 500, 1_000]);
  });

  it('does not retry what cannot get better: a refused key, a 403', async () => {
    const exists = flaky([new BlobExistsError('media/video/abc.mp4')]);
    await expect(new RetryingBlobBackend(exists.backend, 60_000, async () => undefined).put('media/video/abc.mp4', Buffer.from('x'))).rejects.toBeInstanceOf(
      BlobExistsError,
    );
    expect(exists.puts).toBe(1);
    const denied = flaky([new StudioError('provider_unavailable', 'object storage: upload failed (HTTP 403)', { retryable: false, status: 403 })]);
    await expect(new RetryingBlobBackend(denied.backend, 60_000, async () => undefined).put('k', Buffer.from('x'))).rejects.toThrow('HTTP 403');
    expect(denied.puts).toBe(1);
  });

  it('gives up once the next wait would pass the retry time, with the last error', async () => {
    const inner = flaky(Array.from({ length: 100 }, () => unavailable(503)));
    let now = 0;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const b = new RetryingBlobBackend(inner.backend, 5_000, async (ms) => {
        now += ms;
      });
      await expect(b.put('k', Buffer.from('x'))).rejects.toThrow('object storage: upload failed');
    } finally {
      Date.now = realNow;
    }
    // 250 + 500 + 1000 + 2000 = 3750 ms of waiting; one more 2 s wait would pass 5 s.
    expect(inner.puts).toBe(5);
    expect(now).toBe(3_750);
  });

  it('tries reads again too: a failed check, a failed GET, a download cut off midway; a missing key at once', async () => {
    const calls = { exists: 0, open: 0, materialize: 0 };
    const cut = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const missing = new BlobNotFoundError('media/video/gone.mp4');
    const plan = { exists: [unavailable(503)], open: [unavailable()], materialize: [cut, unavailable(502)] };
    const inner: BlobBackend = {
      ...flaky([]).backend,
      exists: async () => {
        calls.exists++;
        const f = plan.exists.shift();
        if (f) throw f;
        return true;
      },
      openRead: async (key) => {
        calls.open++;
        if (key.includes('gone')) throw missing;
        const f = plan.open.shift();
        if (f) throw f;
        return Readable.from([Buffer.from('bytes')]);
      },
      materialize: async () => {
        calls.materialize++;
        const f = plan.materialize.shift();
        if (f) throw f;
        return { path: '/tmp/copy.mp4', release: async () => undefined };
      },
    };
    const waits: number[] = [];
    const b = new RetryingBlobBackend(inner, 60_000, async (ms) => void waits.push(ms));
    expect(await b.exists('media/video/a.mp4')).toBe(true);
    expect((await (await b.openRead('media/video/a.mp4')).toArray()).map(String)).toEqual(['bytes']);
    expect((await b.materialize('media/video/a.mp4')).path).toBe('/tmp/copy.mp4');
    expect(calls).toEqual({ exists: 2, open: 2, materialize: 3 });
    expect(waits).toEqual([250, 250, 250, 500]);
    await expect(b.openRead('media/video/gone.mp4')).rejects.toBe(missing);
    expect(calls.open).toBe(3);
  });

  it('is how the configured S3 backend writes: STUDIO_S3_RETRY_SECONDS, default 60 s', () => {
    expect(BLOB_RETRY_MS).toBe(60_000);
    const env = { STUDIO_HOME: '/tmp/studio-cfg', STUDIO_S3_BUCKET: 'films' };
    expect(loadConfig(env, '/').s3?.retryMs).toBeUndefined();
    expect(loadConfig({ ...env, STUDIO_S3_RETRY_SECONDS: '5' }, '/').s3?.retryMs).toBe(5_000);
    expect(loadConfig({ ...env, STUDIO_S3_RETRY_SECONDS: '0' }, '/').s3?.retryMs).toBe(0);
    const backend = openBlobBackend(loadConfig(env, '/'));
    expect(backend).toBeInstanceOf(RetryingBlobBackend);
    expect(backend?.kind).toBe('s3');
  });
});
