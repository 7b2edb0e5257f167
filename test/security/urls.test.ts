import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startReplicateFake, type ReplicateFake } from '../fakes/replicate.js';
import { startHarness, tempDir, type Harness } from '../helpers/harness.js';
import { fastAdapters } from './helpers.js';

/**
 * Issue 6 item 3 through the whole tool path (test/providers/url-guard.test.ts covers the guard and the adapters
 * directly): a provider that answers a generation with output URLs pointing at loopback, private, link-local,
 * metadata or non-https addresses — or that redirects its own output URL there — gets the job refused, leaves no
 * media, and a canary HTTP server on 127.0.0.1 sees zero connections. DNS is faked so that an allow-listed
 * output host resolving to a private address is refused too (never resolved for real, never connected).
 */

let canary: http.Server;
let canaryPort = 0;
let hits = 0;
let fake: ReplicateFake;
let h: Harness;

beforeAll(async () => {
  canary = http.createServer((_req, res) => res.end('canary'));
  canary.on('connection', () => void hits++);
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as AddressInfo).port;
  fake = await startReplicateFake();
  const home = tempDir('studio-urls-');
  const env = { STUDIO_HOME: home, REPLICATE_API_TOKEN: 'r8_urls_0123456789', REPLICATE_BASE_URL: fake.url };
  // replicate.delivery resolves to loopback here: the guard must refuse it after resolving, before connecting.
  const lookup = async (host: string): Promise<string[]> => (host === 'evil.replicate.delivery' ? ['127.0.0.1'] : host === 'rebind.replicate.delivery' ? ['93.184.216.34', '169.254.169.254'] : ['93.184.216.34']);
  h = await startHarness({ home, env, studio: { adapters: fastAdapters(loadConfig(env), { lookup }) } });
});

afterAll(async () => {
  await h.close();
  await fake.close();
  canary.closeAllConnections();
  await new Promise<void>((r) => canary.close(() => r()));
});

const hostile = (): string[] => [
  `http://127.0.0.1:${canaryPort}/out.mp4`,
  `https://127.0.0.1:${canaryPort}/out.mp4`,
  `http://localhost:${canaryPort}/out.mp4`,
  `http://[::1]:${canaryPort}/out.mp4`,
  `https://[::ffff:127.0.0.1]:${canaryPort}/out.mp4`,
  `http://2130706433:${canaryPort}/out.mp4`,
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'https://169.254.169.254/computeMetadata/v1/',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://10.0.0.5/out.mp4',
  'https://192.168.1.10/out.mp4',
  'https://[fd00::1]/out.mp4',
  `https://evil.replicate.delivery:${canaryPort}/out.mp4`,
  'https://rebind.replicate.delivery/out.mp4',
  'file:///etc/passwd',
  'ftp://replicate.delivery/out.mp4',
  'http://replicate.delivery/out.mp4',
  'https://user:pass@replicate.delivery/out.mp4',
  `gopher://127.0.0.1:${canaryPort}/_x`,
  'https://replicate.delivery.evil.example/out.mp4',
];

describe('output URLs from a provider, through video_generate', () => {
  it.each(hostile().map((u, i) => [i, u.replace(':0/', ':<canary>/')] as const))('refuses output URL #%i %s; no media', async (i) => {
    const url = hostile()[i] as string;
    fake.reset();
    fake.setScenario({ pollsBeforeDone: 0, outputUrls: [url] });
    const before = h.studio.store.media.all().length;
    const err = await h.callError('video_generate', { model: 'replicate/bytedance/seedance-1-lite', prompt: `u${i}`, duration: 5, resolution: '480p' });
    expect(['provider_error', 'provider_unavailable']).toContain(err.code);
    // Non-http(s) URLs are not even taken as outputs ("no output file"); the rest are refused by the URL guard.
    expect(err.message).toMatch(/refused to fetch a provider URL|could not resolve|no output file/);
    expect(h.studio.store.media.all().length).toBe(before);
  });

  it("refuses a redirect of the provider's own (trusted) output URL to the canary", async () => {
    fake.reset();
    const url = fake.addOutput('out.mp4', Buffer.from('x'), 'video/mp4');
    fake.setScenario({ pollsBeforeDone: 0, outputUrls: [url] });
    fake.fail('output', { kind: 'status', status: 302, headers: { location: `http://127.0.0.1:${canaryPort}/stolen` } }, 5);
    const err = await h.callError('video_generate', { model: 'replicate/bytedance/seedance-1-lite', prompt: 'redirect', duration: 5, resolution: '480p' });
    expect(err.code).toBe('provider_error');
    expect(err.message).toMatch(/refused to fetch a provider URL on '127.0.0.1'/);
  });

  it('the canary saw zero connections', () => {
    expect(hits).toBe(0);
  });
});
