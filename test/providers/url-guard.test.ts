import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadToFile } from '../../src/providers/download.js';
import { ProviderHttp } from '../../src/providers/http.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { isBlockedAddress, UrlGuard } from '../../src/providers/url-guard.js';
import { createWavespeedAdapter } from '../../src/providers/wavespeed.js';
import { byRoute, type FakeServer, fakeBytes, startFake } from '../fakes/base.js';
import { startWavespeedFake, type WavespeedFake } from '../fakes/wavespeed.js';
import { capability, configFor, FAST, failure, makeCtx, makeMedia, request, runToEnd, SECRETS, type TestDir, tempDir } from './helpers.js';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fc00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    'not-an-ip',
  ])('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });
  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111'])('allows %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });
});

describe('UrlGuard.check', () => {
  const publicLookup = async (): Promise<string[]> => ['93.184.216.34'];
  const guard = new UrlGuard({ trustedBaseUrls: ['http://127.0.0.1:4000/v1', undefined], lookup: publicLookup });

  it('allows documented output hosts over https', async () => {
    await expect(guard.check('https://replicate.delivery/xezq/abc/out.mp4')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('https://pbxt.replicate.delivery/abc/out.png')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('https://d1q70pf5vjeyhc.cloudfront.net/predictions/x/1.mp4')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('https://storage.googleapis.com/storage/v1/b/b/o/x?alt=media')).resolves.toBeInstanceOf(URL);
  });

  it('trusts the configured base URL host:port exactly, even on loopback and http', async () => {
    await expect(guard.check('http://127.0.0.1:4000/outputs/x')).resolves.toBeInstanceOf(URL);
    // Same machine, other port: not trusted.
    expect((await failure(() => guard.check('http://127.0.0.1:4001/outputs/x'))).code).toBe('provider_error');
    expect((await failure(() => guard.check('http://localhost:4000/outputs/x'))).code).toBe('provider_error');
  });

  it.each([
    ['http on an allowed host', 'http://replicate.delivery/x'],
    ['a host that is not an output host', 'https://example.com/x'],
    ['a look-alike host', 'https://replicate.delivery.evil.com/x'],
    ['the metadata address', 'https://169.254.169.254/computeMetadata/v1/'],
    ['a private address', 'https://10.1.2.3/x'],
    ['IPv6 loopback', 'https://[::1]/x'],
    ['IPv6 unique-local', 'https://[fd12::1]/x'],
    ['IPv6 link-local', 'https://[fe80::1]/x'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/x'],
    ['a decimal loopback', 'https://2130706433/x'],
    ['credentials in the URL', 'https://user:pw@replicate.delivery/x'],
    ['a file URL', 'file:///etc/passwd'],
    ['garbage', 'not a url'],
  ])('refuses %s', async (_label, url) => {
    const err = await failure(() => guard.check(url));
    expect(err.code).toBe('provider_error');
    expect(err.message).toMatch(/refused to fetch a provider URL/);
  });

  it('refuses allowed names that resolve to private addresses', async () => {
    for (const addr of ['127.0.0.1', '10.0.0.5', '169.254.169.254', '::1', 'fd00::2']) {
      const g = new UrlGuard({ trustedBaseUrls: [], lookup: async () => ['93.184.216.34', addr] });
      const err = await failure(() => g.check('https://evil.replicate.delivery/x'));
      expect(err.message).toMatch(/resolves to a loopback, private or link-local address/);
    }
  });

  it('uses real DNS by default: localhost resolves to loopback and is refused even when allow-listed', async () => {
    const g = new UrlGuard({ trustedBaseUrls: [], allowedHosts: ['localhost'] });
    const err = await failure(() => g.check('https://localhost/x'));
    expect(err.message).toMatch(/resolves to a loopback/);
  });
});

describe('no connection to a canary when a provider returns its URL', () => {
  let canary: http.Server;
  let canaryPort: number;
  let connections = 0;
  let fake: WavespeedFake;
  let tmp: TestDir;
  let adapter: ProviderAdapter;
  const cap = capability({
    provider: 'wavespeed',
    provider_model: 'wavespeed-ai/infinitetalk',
    adapter: 'wavespeed',
    task: 'lipsync_image',
    fields: { image: { role: 'image', media: 'image', schema: { type: 'string' } } },
  });

  beforeAll(async () => {
    canary = http.createServer((_req, res) => res.end('canary'));
    canary.on('connection', () => connections++);
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    canaryPort = (canary.address() as AddressInfo).port;
    fake = await startWavespeedFake();
  });
  afterAll(async () => {
    canary.closeAllConnections();
    await new Promise<void>((r) => canary.close(() => r()));
    await fake.close();
  });
  beforeEach(async () => {
    tmp = await tempDir();
    fake.reset();
    adapter = createWavespeedAdapter(configFor({ WAVESPEED_BASE_URL: fake.url, WAVESPEED_API_KEY: SECRETS.wavespeed }), {
      ...FAST,
      // The one allow-listed name that the test points at the canary through DNS.
      lookup: async (host) => (host === 'cdn.wavespeed.ai' ? ['127.0.0.1'] : ['93.184.216.34']),
    });
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('refuses every canary URL and the canary sees zero connections', async () => {
    // The fake API is trusted by its exact host:port (127.0.0.1:<fake port>). The canary shares the IP but not
    // the port, so it is trusted by nothing: every way of pointing at it must be refused before connecting.
    const urls = [
      `http://127.0.0.1:${canaryPort}/out.mp4`,
      `https://127.0.0.1:${canaryPort}/out.mp4`,
      `http://localhost:${canaryPort}/out.mp4`,
      `https://cdn.wavespeed.ai:${canaryPort}/out.mp4`,
      `https://[::ffff:127.0.0.1]:${canaryPort}/out.mp4`,
    ];
    fake.setScenario({ pollsBeforeDone: 0, outputUrls: urls });
    const image = await makeMedia(tmp.dir, 'image', 'image/png');
    const outputs = await runToEnd(adapter, request(cap, { image }), makeCtx(tmp.dir));
    expect(outputs).toHaveLength(urls.length);
    for (const [i, out] of outputs.entries()) {
      const dest = path.join(tmp.dir, `canary-${i}.mp4`);
      const err = await failure(() => adapter.download(out, dest, makeCtx(tmp.dir)));
      expect(err.code).toBe('provider_error');
      expect(existsSync(dest)).toBe(false);
    }
    expect(connections).toBe(0);
  });

  it('refuses a redirect from a trusted host to the canary', async () => {
    // A trusted origin answering 302 → canary: the hop is checked before it is followed.
    const redirecting = await startFake(() => [
      {
        name: 'hop',
        method: 'GET',
        pattern: /^\/hop$/,
        handle: () => ({ status: 302, headers: { location: `http://127.0.0.1:${canaryPort}/stolen` } }),
      },
    ]);
    try {
      const g = new UrlGuard({ trustedBaseUrls: [redirecting.origin], lookup: async () => ['93.184.216.34'] });
      const dest = path.join(tmp.dir, 'redirected.mp4');
      const err = await failure(() =>
        downloadToFile(
          { url: `${redirecting.origin}/hop`, destPath: dest },
          { http: testHttp(), guard: g, io: { fetch, signal: new AbortController().signal } },
        ),
      );
      expect(err.code).toBe('provider_error');
      expect(err.message).toMatch(/refused to fetch a provider URL on '127.0.0.1'/);
      expect(existsSync(dest)).toBe(false);
      expect(connections).toBe(0);
    } finally {
      await redirecting.close();
    }
  });
});

function testHttp(): ProviderHttp {
  return new ProviderHttp({ provider: 'Test', authEnv: ['TEST_KEY'], redact: (t) => t, retry: { baseDelayMs: 5, maxDelayMs: 10, maxRetries: 2 } });
}

describe('downloadToFile', () => {
  let origin: FakeServer;
  let other: FakeServer;
  let tmp: TestDir;
  beforeAll(async () => {
    other = await startFake(() => [
      { name: 'final', method: 'GET', pattern: /^\/final$/, handle: () => ({ headers: { 'content-type': 'video/mp4' }, body: fakeBytes('final') }) },
    ]);
    origin = await startFake(() => [
      { name: 'file', method: 'GET', pattern: /^\/file$/, handle: () => ({ headers: { 'content-type': 'video/mp4' }, body: fakeBytes('file', 256 * 1024) }) },
      { name: 'big', method: 'GET', pattern: /^\/big$/, handle: () => ({ body: fakeBytes('big', 300 * 1024) }) },
      { name: 'hop', method: 'GET', pattern: /^\/hop$/, handle: () => ({ status: 302, headers: { location: `${other.origin}/final` } }) },
    ]);
  });
  afterAll(async () => {
    await origin.close();
    await other.close();
  });
  beforeEach(async () => {
    tmp = await tempDir();
    origin.reset();
    other.reset();
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  const guard = (): UrlGuard => new UrlGuard({ trustedBaseUrls: [origin.origin, other.origin] });
  const deps = () => ({ http: testHttp(), guard: guard(), io: { fetch, signal: new AbortController().signal } });

  it('streams a file and reports its content type', async () => {
    const dest = path.join(tmp.dir, 'a.mp4');
    const got = await downloadToFile({ url: `${origin.origin}/file`, destPath: dest }, deps());
    expect(got).toEqual({ mime: 'video/mp4', bytes: 256 * 1024 });
    expect((await readFile(dest)).equals(fakeBytes('file', 256 * 1024))).toBe(true);
  });

  it('a download that breaks half way throws and leaves no file (after retrying)', async () => {
    origin.fail('file', { kind: 'break' }, 10);
    const dest = path.join(tmp.dir, 'broken.mp4');
    const err = await failure(() => downloadToFile({ url: `${origin.origin}/file`, destPath: dest }, deps()));
    expect(err.code).toBe('provider_unavailable');
    expect(err.message).toMatch(/broke off/);
    expect(existsSync(dest)).toBe(false);
    expect(byRoute(origin.requests, 'file')).toHaveLength(3);
  });

  it('a download that breaks once is retried from zero and succeeds', async () => {
    origin.fail('file', { kind: 'break' }, 1);
    const dest = path.join(tmp.dir, 'retried.mp4');
    await downloadToFile({ url: `${origin.origin}/file`, destPath: dest }, deps());
    expect((await readFile(dest)).equals(fakeBytes('file', 256 * 1024))).toBe(true);
  });

  it('the size cap stops a large download and removes the partial file', async () => {
    const dest = path.join(tmp.dir, 'big.bin');
    const err = await failure(() => downloadToFile({ url: `${origin.origin}/big`, destPath: dest, maxBytes: 100 * 1024 }, deps()));
    expect(err.message).toMatch(/larger than the .* download limit/);
    expect(existsSync(dest)).toBe(false);
  });

  it('the time cap stops a hanging download', async () => {
    origin.fail('file', { kind: 'hang' }, 10);
    const dest = path.join(tmp.dir, 'slow.mp4');
    const err = await failure(() =>
      downloadToFile(
        { url: `${origin.origin}/file`, destPath: dest, timeoutMs: 200, maxRetries: 0 },
        { ...deps(), http: new ProviderHttp({ provider: 'Test', authEnv: [], redact: (t) => t, retry: { maxRetries: 0 } }) },
      ),
    );
    expect(err.code).toBe('timeout');
    expect(existsSync(dest)).toBe(false);
  });

  it('follows an allowed redirect and drops credentials when the origin changes', async () => {
    const dest = path.join(tmp.dir, 'hop.mp4');
    await downloadToFile({ url: `${origin.origin}/hop`, destPath: dest, headers: { Authorization: `Bearer ${SECRETS.replicate}` } }, deps());
    expect((await readFile(dest)).equals(fakeBytes('final'))).toBe(true);
    expect(byRoute(origin.requests, 'hop')[0]?.headers.authorization).toBe(`Bearer ${SECRETS.replicate}`);
    expect(byRoute(other.requests, 'final')[0]?.headers.authorization).toBeUndefined();
  });
});
