import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** The cookie that carries the page's proof of the token (never the token itself). */
export const WEB_COOKIE = 'studio_token';

/**
 * Constant-time equality of a presented secret and the expected one (a plain !== leaks how much of a guess was
 * right). Both are hashed first so their lengths never matter to timingSafeEqual, nor show in the timing.
 */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(presented ?? ''), digest(expected));
}

/** `Authorization: Bearer <token>`, checked in constant time (the /mcp endpoint and the page share this). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  return secretMatches(header, `Bearer ${token}`);
}

/**
 * The cookie value for a token: an HMAC of a fixed label keyed by the token, so the browser's cookie store (a file on
 * disk) never holds the secret itself, and the cookie says nothing about the token to whoever reads that file.
 */
export function cookieValue(token: string): string {
  return createHmac('sha256', token).update('studio-mcp web page').digest('base64url');
}

/** The Set-Cookie header given after `?token=` matched: only sent back to /studio/ on this site, never to scripts. */
export function setCookieHeader(token: string): string {
  return `${WEB_COOKIE}=${cookieValue(token)}; Path=/studio/; HttpOnly; SameSite=Strict`;
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether a /studio/ request presents the token: as a bearer header or as the page's cookie. */
export function webRequestAuthorized(req: http.IncomingMessage, token: string): boolean {
  // Both checks always run, so the time taken does not tell which of the two a request tried.
  const bearer = bearerMatches(req.headers.authorization, token);
  const cookie = secretMatches(cookieOf(req.headers.cookie, WEB_COOKIE), cookieValue(token));
  return bearer || cookie;
}

/**
 * Origin of a changing request from a browser: when the browser names one, it must be this very server (scheme, host
 * and port). The loopback check every request passes allows any port; cookies are shared by all ports of a host,
 * so without this a page from another local port could send the cookie along with a form post.
 */
export function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host ?? ''}`;
}
