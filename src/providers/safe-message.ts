/**
 * Turning provider error bodies into short, safe sentences. A provider's own words are often the most useful
 * hint for an agent ("durationSeconds must be 4, 6 or 8"), but the raw body can be huge, contain echoed input,
 * signed URLs or even a key, so only a summary of the message field goes out, and always through `redact`.
 */

export type Redactor = (text: string) => string;

const MAX_SUMMARY = 240;

/** Generic scrubbing on top of the configured-secret redaction: bearer tokens, key query params, signed URLs. */
export function scrub(text: string, redact: Redactor): string {
  return redact(text)
    .replace(/\b(Bearer|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]')
    .replace(/([?&](?:key|token|signature|sig|X-Amz-Signature|X-Goog-Signature|access_token)=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/\b(r8_[A-Za-z0-9]{8,}|sk_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{20,}|ya29\.[0-9A-Za-z._-]{10,})/g, '[redacted]');
}

/** Collapse whitespace and cut to a readable length. */
export function shorten(text: string, max = MAX_SUMMARY): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Pick the human message out of the error shapes our providers use:
 * Google `{error:{message,status}}`, Replicate RFC 7807 `{detail,title}`, ElevenLabs `{detail:{status,message}}`
 * or `{detail:[{loc,msg}]}`, WaveSpeed `{message, error_code}` / `{code,message}`.
 */
export function providerMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body || undefined;
  if (!isRecord(body)) return undefined;
  const err = body.error;
  if (isRecord(err) && typeof err.message === 'string') return err.message;
  if (typeof err === 'string' && err) return err;
  const detail = body.detail;
  if (typeof detail === 'string') return detail;
  if (isRecord(detail) && typeof detail.message === 'string') return detail.message;
  if (Array.isArray(detail)) {
    const parts = detail
      .filter(isRecord)
      .map((d) => {
        const loc = Array.isArray(d.loc) ? d.loc.filter((x) => x !== 'body').join('.') : '';
        const msg = typeof d.msg === 'string' ? d.msg : '';
        return loc ? `${loc}: ${msg}` : msg;
      })
      .filter((s) => s !== '');
    if (parts.length > 0) return parts.join('; ');
  }
  if (typeof body.message === 'string' && body.message) return body.message;
  if (typeof body.title === 'string' && body.title) return body.title;
  return undefined;
}

/** Parse a body as JSON when it is JSON; otherwise return the text. Never throws. */
export function parseMaybeJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return text;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return text;
  }
}

/** A short, redacted summary of a provider error body, or undefined when there is nothing readable in it. */
export function summarizeProviderError(body: unknown, redact: Redactor): string | undefined {
  const msg = providerMessage(body);
  if (!msg) return undefined;
  // HTML error pages (load balancers) are noise, not a message.
  if (/^\s*<(!doctype|html)/i.test(msg)) return undefined;
  return shorten(scrub(msg, redact));
}
