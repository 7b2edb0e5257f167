/**
 * Who may reach `--http`: the Host and Origin checks against DNS rebinding, and the bind rule. Loopback names always
 * pass (on the server's own port); behind a load balancer the public names it forwards are configured explicitly
 * (STUDIO_HTTP_ALLOWED_HOSTS). Both checks parse the name strictly, so `evil.example:1, 127.0.0.1:1` or
 * `127.0.0.1.nip.io` never match by substring.
 */

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
/** Addresses that bind every interface: never a name a client legitimately sends. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** `name` or `name:port` as a Host header or an allow-list entry spells it; undefined when it is neither. */
function parseHost(text: string): { name: string; port?: string } | undefined {
  const m = /^([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/.exec(text.trim().toLowerCase());
  if (!m?.[1]) return undefined;
  return m[2] ? { name: m[1], port: m[2] } : { name: m[1] };
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function isLoopback(host: string): boolean {
  const h = bracketed(host.toLowerCase());
  return LOOPBACK_NAMES.includes(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface HostRules {
  /** The port the server listens on: loopback names and the bind address pass on this port only. */
  port: number;
  /** The bind address (passes like a loopback name unless it is a wildcard). */
  bindHost: string;
  /** STUDIO_HTTP_ALLOWED_HOSTS: `name` (any port) or `name:port` (that port only). */
  allowed: string[];
}

/** Is `name[:port]` one of the configured public names? */
function configured(name: string, port: string | undefined, allowed: string[]): boolean {
  return allowed.some((entry) => {
    const e = parseHost(entry);
    return e !== undefined && e.name === name && (e.port === undefined || e.port === port);
  });
}

/** The Host header check: a loopback name or the bind address on our port, or a configured public name. */
export function hostAllowed(header: string | undefined, rules: HostRules): boolean {
  const h = parseHost(header ?? '');
  if (!h) return false;
  const own = [...LOOPBACK_NAMES, ...(WILDCARDS.has(rules.bindHost) ? [] : [bracketed(rules.bindHost.toLowerCase())])];
  return (own.includes(h.name) && h.port === String(rules.port)) || configured(h.name, h.port, rules.allowed);
}

/** The Origin check (browsers send it): loopback on any port, or a configured public name. */
export function originAllowed(origin: string, rules: HostRules): boolean {
  const m = /^https?:\/\/([^/?#@]+)$/.exec(origin.toLowerCase());
  const h = m?.[1] ? parseHost(m[1]) : undefined;
  if (!h) return false;
  return LOOPBACK_NAMES.includes(h.name) || configured(h.name, h.port, rules.allowed);
}

/**
 * Why `--http` must not bind `host`, or undefined when it may: off loopback (a load balancer's backend, a
 * container) the bearer token is the only thing between the network and the studio's paid providers.
 */
export function bindRefusal(host: string, token: string | undefined): string | undefined {
  if (isLoopback(host) || token) return undefined;
  return `binding ${host} is not loopback: set STUDIO_HTTP_TOKEN (clients then send it as a bearer token) or bind 127.0.0.1`;
}

/** Why STUDIO_PUBLIC_URL cannot be used, or undefined when it is unset or an http(s) origin (an optional path prefix is not supported). */
export function publicUrlRefusal(publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(publicUrl);
  } catch {
    return `STUDIO_PUBLIC_URL '${publicUrl}' is not a URL; give where people reach the server, e.g. https://studio.example.com`;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    return (
      `STUDIO_PUBLIC_URL '${u.protocol}//${u.host}${u.pathname}' must be an http(s) origin with no path, query or credentials, e.g. ` +
      `https://studio.example.com`
    );
  }
  return undefined;
}

/**
 * The address links to the storyboard page use (results' `web_url`): STUDIO_PUBLIC_URL when set (behind a load
 * balancer, the name people use), else the bound address — but never a wildcard bind, which no browser can open:
 * then this machine's loopback.
 */
export function webBase(bindHost: string, port: number, publicUrl: string | undefined): string {
  if (publicUrl !== undefined && publicUrlRefusal(publicUrl) === undefined) return new URL(publicUrl).origin;
  const host = bindHost === '0.0.0.0' ? '127.0.0.1' : WILDCARDS.has(bindHost) ? '[::1]' : bracketed(bindHost);
  return `http://${host}:${port}`;
}
