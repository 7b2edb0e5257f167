import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';
import { StudioError } from '../errors.js';

/**
 * The one gate in front of every URL that came out of a provider reply (output files, redirects).
 * A provider reply is untrusted input: a compromised or confused provider (or a fake in a test) could hand us
 * `http://169.254.169.254/...` or a LAN address and make the server fetch it (SSRF). So by default only `https:`
 * URLs on the hosts the providers document for outputs are fetched, and never when the name resolves to a
 * loopback, private, link-local or otherwise special address. The configured base URLs are the one exception:
 * the operator chose them (that is how tests and self-hosted proxies on 127.0.0.1 work), so their exact
 * `host:port` is trusted; any other host:port on the same machine is not.
 *
 * Residual risk, accepted: the DNS check and the actual connection resolve separately (DNS rebinding). Pinning
 * the resolved address would need an undici dispatcher, which is not a dependency.
 */

/** Output hosts the provider docs name (docs/providers.md §1, §3, §4). `*.` matches any subdomain. */
export const DEFAULT_OUTPUT_HOSTS: readonly string[] = [
  // Replicate: outputs on replicate.delivery and subdomains; file API objects on api.replicate.com.
  'replicate.delivery',
  '*.replicate.delivery',
  'api.replicate.com',
  // WaveSpeed: the docs do not name the output host. Outputs seen in the wild are on this CloudFront
  // distribution (`https://d1q70pf5vjeyhc.cloudfront.net/predictions/<id>/1.mp4`); the API host family is
  // allowed too. Add more with STUDIO_OUTPUT_HOSTS if WaveSpeed moves its CDN.
  '*.wavespeed.ai',
  'd1q70pf5vjeyhc.cloudfront.net',
  // Google Cloud Storage JSON API (Veo outputs written to a storageUri bucket).
  'storage.googleapis.com',
];

/** Resolves a host name to all its addresses (injected in tests). */
export type HostLookup = (hostname: string) => Promise<string[]>;

export interface UrlGuardOptions {
  /** Base URLs from the configuration; their exact host:port is trusted, even on loopback or http. */
  trustedBaseUrls: ReadonlyArray<string | undefined>;
  /** Host patterns allowed for outputs (`example.com` or `*.example.com`); default DEFAULT_OUTPUT_HOSTS. */
  allowedHosts?: readonly string[];
  lookup?: HostLookup;
}

const blocked = new net.BlockList();
// IPv4 special-purpose ranges (RFC 6890): this-network, private, CGNAT, loopback, link-local (incl. the cloud
// metadata address 169.254.169.254), IETF protocol assignments, benchmarking, multicast, reserved, broadcast.
for (const [addr, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(addr, bits, 'ipv4');
}
// IPv6: unspecified, loopback, unique-local, link-local, multicast. (BlockList also applies the IPv4 ranges to
// IPv4-mapped addresses such as ::ffff:127.0.0.1.)
blocked.addAddress('::', 'ipv6');
blocked.addAddress('::1', 'ipv6');
blocked.addSubnet('fc00::', 7, 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addSubnet('ff00::', 8, 'ipv6');

/** Whether an IP literal is loopback, private, link-local, unspecified, multicast or reserved. */
export function isBlockedAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = net.isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) {
    // NAT64 (64:ff9b::/96) embeds an IPv4 address in the low 32 bits; judge it by that address.
    const lower = bare.toLowerCase();
    if (lower.startsWith('64:ff9b::')) {
      const tail = lower.slice('64:ff9b::'.length);
      const v4 = net.isIPv4(tail) ? tail : hexPairToIPv4(tail);
      if (v4) return blocked.check(v4, 'ipv4');
    }
    return blocked.check(bare, 'ipv6');
  }
  return true; // not an IP at all: refuse rather than guess
}

function hexPairToIPv4(tail: string): string | undefined {
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
  if (!m?.[1] || !m[2]) return undefined;
  const hi = parseInt(m[1], 16);
  const lo = parseInt(m[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function hostMatches(hostname: string, pattern: string): boolean {
  const h = hostname.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

const defaultLookup: HostLookup = async (hostname) => (await dnsLookup(hostname, { all: true })).map((a) => a.address);

function refused(host: string, why: string): StudioError {
  // Only the host goes into the message: output URLs often carry signed query strings.
  const where = host ? `on '${host}'` : 'without a host';
  return new StudioError('provider_error', `refused to fetch a provider URL ${where}: ${why}`, {
    retryable: false,
  });
}

export class UrlGuard {
  private readonly trustedHosts: Set<string>;
  private readonly allowedHosts: readonly string[];
  private readonly lookup: HostLookup;

  constructor(opts: UrlGuardOptions) {
    this.trustedHosts = new Set();
    for (const base of opts.trustedBaseUrls) {
      if (!base) continue;
      try {
        const u = new URL(base);
        this.trustedHosts.add(`${u.protocol}//${u.host}`.toLowerCase());
      } catch {
        // A malformed base URL trusts nothing.
      }
    }
    this.allowedHosts = opts.allowedHosts ?? DEFAULT_OUTPUT_HOSTS;
    this.lookup = opts.lookup ?? defaultLookup;
  }

  /** Whether `url` is on a configured base URL's exact protocol+host+port. */
  isTrusted(url: URL): boolean {
    return this.trustedHosts.has(`${url.protocol}//${url.host}`.toLowerCase());
  }

  /** Throws a StudioError unless `raw` may be fetched; returns the parsed URL. */
  async check(raw: string | URL): Promise<URL> {
    let url: URL;
    try {
      url = raw instanceof URL ? raw : new URL(raw);
    } catch {
      throw new StudioError('provider_error', 'refused to fetch a provider URL: it is not a valid URL', {
        retryable: false,
      });
    }
    if (this.isTrusted(url)) return url;
    const host = url.hostname;
    if (url.protocol !== 'https:') throw refused(host, `only https is allowed (got ${url.protocol.replace(':', '')})`);
    if (url.username || url.password) throw refused(host, 'URLs with credentials are not allowed');
    if (net.isIP(host.replace(/^\[|\]$/g, ''))) {
      // Providers hand out names, never bare addresses; an address literal is either a bug or an attack.
      if (isBlockedAddress(host)) throw refused(host, 'it is a loopback, private or link-local address');
      throw refused(host, 'the host is not one of the provider output hosts');
    }
    if (!this.allowedHosts.some((p) => hostMatches(host, p))) {
      throw refused(host, 'the host is not one of the provider output hosts');
    }
    let addresses: string[];
    try {
      addresses = await this.lookup(host);
    } catch {
      throw new StudioError('provider_unavailable', `could not resolve the provider host '${host}'`, {
        retryable: true,
      });
    }
    if (addresses.length === 0 || addresses.some((a) => isBlockedAddress(a))) {
      throw refused(host, 'it resolves to a loopback, private or link-local address');
    }
    return url;
  }

  /**
   * A fetch that checks the URL and every redirect hop with this guard (redirects are followed by hand with
   * `redirect: 'manual'`). Credentials headers are dropped when a hop leaves the original origin.
   */
  wrapFetch(fetchImpl: typeof fetch, maxRedirects = 5): typeof fetch {
    const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      let current = await this.check(input instanceof Request ? input.url : input);
      const origin = current.origin;
      let reqInit: RequestInit = { ...init, redirect: 'manual' };
      for (let hop = 0; ; hop++) {
        const res = await fetchImpl(current, reqInit);
        if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
        const location = res.headers.get('location');
        if (!location) return res;
        await res.body?.cancel().catch(() => undefined);
        if (hop >= maxRedirects) throw refused(current.hostname, 'too many redirects');
        const next = await this.check(new URL(location, current));
        if (next.origin !== origin) reqInit = { ...reqInit, headers: withoutCredentials(reqInit.headers) };
        current = next;
      }
    };
    return guarded as typeof fetch;
  }
}

function withoutCredentials(headers: RequestInit['headers']): Headers {
  const h = new Headers(headers);
  for (const name of ['authorization', 'x-goog-api-key', 'xi-api-key', 'cookie']) h.delete(name);
  return h;
}

/** Extra allowed output hosts from STUDIO_OUTPUT_HOSTS (comma separated), added to the defaults. */
export function outputHostsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const extra = (env.STUDIO_OUTPUT_HOSTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...DEFAULT_OUTPUT_HOSTS, ...extra];
}
