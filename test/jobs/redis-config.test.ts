import { describe, expect, it } from 'vitest';
import { loadConfig, redact } from '../../src/config.js';
import { leaseMs } from '../../src/jobs/lease.js';

/** STUDIO_REDIS_URL turns on the shared job queues; its password is a secret like any other. */
describe('STUDIO_REDIS_URL', () => {
  it('unset: no shared queue (the embedded default)', () => {
    expect(loadConfig({ STUDIO_HOME: '/tmp/x' }).redis).toBeUndefined();
  });

  it('set: the URL, the key prefix (default studio, or STUDIO_REDIS_PREFIX) and the render queue settings', () => {
    expect(loadConfig({ STUDIO_HOME: '/tmp/x', STUDIO_REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'studio',
      renderConcurrency: 4,
    });
    expect(
      loadConfig({
        STUDIO_HOME: '/tmp/x',
        STUDIO_REDIS_URL: 'redis://q:6379',
        STUDIO_REDIS_PREFIX: 'team-a',
        STUDIO_RENDER_CONCURRENCY: '2',
      }).redis,
    ).toEqual({ url: 'redis://q:6379', prefix: 'team-a', renderConcurrency: 2 });
  });

  it('its URL and password are scrubbed from everything logged or returned', () => {
    const config = loadConfig({ STUDIO_HOME: '/tmp/x', STUDIO_REDIS_URL: 'redis://:hunter2-redis@cache.internal:6379/0' });
    expect(redact('could not reach redis://:hunter2-redis@cache.internal:6379/0', config)).toBe('could not reach [redacted]');
    expect(redact('WRONGPASS hunter2-redis', config)).toBe('WRONGPASS [redacted]');
  });
});

describe('STUDIO_LEASE_SECONDS', () => {
  it('sets how long a job stays locked to its process (row lease, BullMQ lock); unset or not positive: 30 s', () => {
    expect(leaseMs(loadConfig({ STUDIO_HOME: '/tmp/x' }))).toBe(30_000);
    expect(leaseMs(loadConfig({ STUDIO_HOME: '/tmp/x', STUDIO_LEASE_SECONDS: '5' }))).toBe(5_000);
    expect(leaseMs(loadConfig({ STUDIO_HOME: '/tmp/x', STUDIO_LEASE_SECONDS: '0' }))).toBe(30_000);
    expect(leaseMs(loadConfig({ STUDIO_HOME: '/tmp/x', STUDIO_LEASE_SECONDS: 'soon' }))).toBe(30_000);
  });
});
