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
  const lookup = async (host: string): Promise<string[]> =>
    host === 'evil.replicate.delivery' ? ['127.0.0.1'] : host === 'rebind.replicate.delivery' ? ['93.184.216.34', '169.254.169.254'] : ['93.184.216.34'];
  h = await startHarness({ home, env, studio: { adapters: fastAdapters(loadConfig(env), { lookup }) } });
});

afterAll(async () => {
  await h.close();
  await fake.close();
  canary.closeAllConnections();
  await new Promise<void>((r) => canary.close(() => r()));
});

const LOCAL = 'it is a loopback, private or link-local address';
const RESOLVES_LOCAL = 'it resolves to a loopback, private or link-local address';
const NOT_OUTPUT_HOST = 'the host is not one of the provider output hosts';
const only = (scheme: string): string => `only https is allowed (got ${scheme})`;

/** Each hostile output URL with the host and the reason the URL guard gives (the URL may be normalised first). */
const hostile = (): [url: string, host: string, reason: string][] => [
  [`http://127.0.0.1:${canaryPort}/out.mp4`, "on '127.0.0.1'", only('http')],
  [`https://127.0.0.1:${canaryPort}/out.mp4`, "on '127.0.0.1'", LOCAL],
  [`http://localhost:${canaryPort}/out.mp4`, "on 'localhost'", only('http')],
  [`http://[::1]:${canaryPort}/out.mp4`, "on '[::1]'", only('http')],
  [`https://[::ffff:127.0.0.1]:${canaryPort}/out.mp4`, "on '[::ffff:7f00:1]'", LOCAL],
  [`http://2130706433:${canaryPort}/out.mp4`, "on '127.0.0.1'", only('http')],
  ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', "on '169.254.169.254'", only('http')],
  ['https://169.254.169.254/computeMetadata/v1/', "on '169.254.169.254'", LOCAL],
  ['https://metadata.google.internal/computeMetadata/v1/', "on 'metadata.google.internal'", NOT_OUTPUT_HOST],
  ['https://10.0.0.5/out.mp4', "on '10.0.0.5'", LOCAL],
  ['https://192.168.1.10/out.mp4', "on '192.168.1.10'", LOCAL],
  ['https://[fd00::1]/out.mp4', "on '[fd00::1]'", LOCAL],
  [`https://evil.replicate.delivery:${canaryPort}/out.mp4`, "on 'evil.replicate.delivery'", RESOLVES_LOCAL],
  ['https://rebind.replicate.delivery/out.mp4', "on 'rebind.replicate.delivery'", RESOLVES_LOCAL],
  ['file:///etc/passwd', 'without a host', only('file')],
  ['ftp://replicate.delivery/out.mp4', "on 'replicate.delivery'", only('ftp')],
  ['http://replicate.delivery/out.mp4', "on 'replicate.delivery'", only('http')],
  ['https://user:pass@replicate.delivery/out.mp4', "on 'replicate.delivery'", 'URLs with credentials are not allowed'],
  [`gopher://127.0.0.1:${canaryPort}/_x`, "on '127.0.0.1'", only('gopher')],
  ['https://replicate.delivery.evil.example/out.mp4', "on 'replicate.delivery.evil.example'", NOT_OUTPUT_HOST],
];

describe('output URLs from a provider, through video_generate', () => {
  it.each(hostile().map(([u], i) => [i, u.replace(':0/', ':<canary>/')] as const))('refuses output URL #%i %s; no media', async (i) => {
    const [url, host, reason] = hostile()[i] as [string, string, string];
    fake.reset();
    fake.setScenario({ pollsBeforeDone: 0, outputUrls: [url] });
    const before = (await h.studio.store.media.all()).length;
    const err = await h.callError('video_generate', { model: 'replicate/bytedance/seedance-1-lite', prompt: `u${i}`, duration: 5, resolution: '480p' });
    // Every URL reaches the guard (file:, ftp: and gopher: too) and is refused there, for its own reason.
    expect(err.code).toBe('provider_error');
    expect(err.model).toBe('replicate/bytedance/seedance-1-lite');
    expect(err.message).toMatch(/^replicate\/bytedance\/seedance-1-lite: /);
    expect(err.message).toContain(`refused to fetch a provider URL ${host}: ${reason} (job job_`);
    expect((await h.studio.store.media.all()).length).toBe(before);
    // The one output download attempted nothing: the fake's output route saw no request.
    expect(fake.requests.filter((q) => q.route === 'output')).toEqual([]);
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
