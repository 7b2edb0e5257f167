import fs from 'node:fs';
import path from 'node:path';
import { applyPriceOverrides, readPriceOverrides } from '../../capabilities/price-overrides.js';
import { CapabilityRegistry } from '../../capabilities/registry.js';
import { loadConfig, type StudioConfig } from '../../config.js';
import { resolveBinaries } from '../../media/binaries.js';
import { ffmpegVersionLine, runFfprobe } from '../../media/ffmpeg.js';
import { FONT_PACKAGES, fontReport } from '../../media/fonts.js';
import { createAdapters } from '../../providers/index.js';
import { createLocalAdapter } from '../../providers/local.js';
import type { ProviderAdapter } from '../../providers/types.js';
import { parseOptions } from '../args.js';
import { liveSmoke, type LiveReport } from '../live-report.js';
import { printJson, printLines, table } from '../output.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Works, but worse than it could: shown as "warn", never fails the doctor. */
  warn?: boolean;
}

interface ProviderReport {
  provider: string;
  available: boolean;
  reason?: string;
  /** Environment variables the provider reads, and whether each is set. Values are never shown. */
  keys: Record<string, 'set' | 'not set'>;
  base_url: string;
}

/** Which variables each provider reads and where it connects (the README's configuration table). */
const PROVIDERS: { provider: string; keys: string[]; baseUrl: (c: StudioConfig) => string }[] = [
  { provider: 'local', keys: ['FFMPEG_PATH', 'FFPROBE_PATH'], baseUrl: () => '(offline, runs ffmpeg)' },
  {
    provider: 'vertex',
    keys: ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_API_KEY'],
    baseUrl: (c) =>
      c.baseUrls.vertex ?? (c.google.location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${c.google.location}-aiplatform.googleapis.com`),
  },
  { provider: 'replicate', keys: ['REPLICATE_API_TOKEN'], baseUrl: (c) => c.baseUrls.replicate },
  { provider: 'elevenlabs', keys: ['ELEVENLABS_API_KEY'], baseUrl: (c) => c.baseUrls.elevenlabs },
  { provider: 'wavespeed', keys: ['WAVESPEED_API_KEY'], baseUrl: (c) => c.baseUrls.wavespeed },
];

/** A base URL without any user:password part (a proxy URL may carry one). */
function safeUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return u;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function binaryChecks(config: StudioConfig): Promise<Check[]> {
  let bins;
  try {
    bins = resolveBinaries({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
  } catch (err) {
    const m = message(err);
    return [{ name: /ffprobe/.test(m) && !/ffmpeg was not/.test(m) ? 'ffprobe' : 'ffmpeg', ok: false, detail: m }];
  }
  const ffmpeg = await ffmpegVersionLine().then(
    (v) => ({ name: 'ffmpeg', ok: true, detail: `${bins.ffmpeg} (${bins.source.ffmpeg}) — ${v}` }),
    (err: unknown) => ({ name: 'ffmpeg', ok: false, detail: `${bins.ffmpeg} does not run: ${message(err)}` }),
  );
  const ffprobe = await runFfprobe(['-version']).then(
    (out) => ({ name: 'ffprobe', ok: true, detail: `${bins.ffprobe} (${bins.source.ffprobe}) — ${out.split('\n')[0]?.trim() ?? ''}` }),
    (err: unknown) => ({ name: 'ffprobe', ok: false, detail: `${bins.ffprobe} does not run: ${message(err)}` }),
  );
  return [ffmpeg, ffprobe];
}

/**
 * Can cards and labels draw every character? Missing fonts never stop a card (the glyph shows as a box), so this is a
 * warning with the apt-get line that fixes it, not a failure.
 */
async function fontCheck(): Promise<Check> {
  const r = await fontReport();
  const found = [`CJK: ${r.cjk ?? 'none'}`, `emoji: ${r.emoji ?? 'none'}`].join('; ');
  if (r.text.engine !== 'libass') {
    return {
      name: 'fonts',
      ok: true,
      warn: true,
      detail: `text drawn with drawtext and one font (${r.text.reason ?? 'no libass'}): CJK and emoji show as boxes; ${found}`,
    };
  }
  const missing = [...(r.cjk ? [] : ['CJK']), ...(r.emoji ? [] : ['emoji'])];
  if (missing.length) {
    return {
      name: 'fonts',
      ok: true,
      warn: true,
      detail: `no font for ${missing.join(' and ')}: those characters show as boxes on cards (apt-get install -y ${FONT_PACKAGES.join(' ')}); ${found}`,
    };
  }
  return { name: 'fonts', ok: true, detail: `libass with per-glyph fallback; ${found}` };
}

function dataCheck(config: StudioConfig): Check {
  const probe = path.join(config.home, `.doctor-${process.pid}.tmp`);
  try {
    fs.mkdirSync(config.home, { recursive: true });
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
    const db = fs.existsSync(path.join(config.home, 'studio.db'));
    return { name: 'data folder', ok: true, detail: `${config.home} (writable${db ? ', studio.db present' : ', no studio.db yet'})` };
  } catch (err) {
    return { name: 'data folder', ok: false, detail: `${config.home} is not writable: ${message(err)} (set STUDIO_HOME to a writable folder)` };
  }
}

/** STUDIO_PRICES, when set: the file must read and name known models (the server would refuse to start otherwise). */
function pricesCheck(config: StudioConfig): Check[] {
  const file = config.pricesFile;
  if (!file) return [];
  try {
    const prices = readPriceOverrides(file);
    applyPriceOverrides(CapabilityRegistry.load(), prices, file);
    return [{ name: 'prices', ok: true, detail: `${file}: ${Object.keys(prices).join(', ') || 'no models'}` }];
  } catch (err) {
    return [{ name: 'prices', ok: false, detail: message(err) }];
  }
}

function providerReports(config: StudioConfig, env: NodeJS.ProcessEnv): ProviderReport[] {
  const adapters = new Map<string, ProviderAdapter>([['local', createLocalAdapter()], ...createAdapters(config)]);
  return PROVIDERS.map((p) => {
    const a = adapters.get(p.provider)?.availability() ?? { available: false as const, reason: 'no adapter' };
    return {
      provider: p.provider,
      available: a.available,
      ...(a.available ? {} : { reason: a.reason }),
      keys: Object.fromEntries(p.keys.map((k) => [k, env[k]?.trim() ? 'set' : 'not set'])) as Record<string, 'set' | 'not set'>,
      base_url: safeUrl(p.baseUrl(config)),
    };
  });
}

/**
 * `studio-mcp doctor [--json] [--live [--yes]]`: can this machine make films? ffmpeg/ffprobe (paths and versions),
 * the data folder, and each provider's keys (set or not — values are never printed) and base URL. Exit code 1 when
 * something the offline studio needs is missing; a provider without keys is not a failure. `--live` adds the live
 * smoke test (one cheap call per configured provider, after the estimated cost is shown and confirmed or `--yes`);
 * a call that fails or departs from its capability file also makes the exit code 1.
 */
export async function doctorCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseOptions(argv, { json: { type: 'boolean' }, live: { type: 'boolean' }, yes: { type: 'boolean' } });
  const config = loadConfig(env);
  const major = Number(process.versions.node.split('.')[0]);
  const checks: Check[] = [
    { name: 'node', ok: major >= 20, detail: `${process.version}${major >= 20 ? '' : ' (studio-mcp needs Node 20 or newer)'}` },
    ...(await binaryChecks(config)),
    dataCheck(config),
    ...pricesCheck(config),
  ];
  // Fonts are looked at only when ffmpeg runs: the text engine is probed with it.
  if (checks.every((c) => c.ok)) checks.push(await fontCheck());
  const providers = providerReports(config, env);
  const live: LiveReport | undefined = values.live ? await liveSmoke(config, env, { yes: values.yes === true, json: values.json === true }) : undefined;
  const ok = checks.every((c) => c.ok) && (live?.ok ?? true);
  if (values.json) {
    printJson({ ok, checks, providers, ...(live ? { live } : {}) });
    return ok ? 0 : 1;
  }
  const lines = ['studio-mcp doctor', ...table(checks.map((c) => [`  ${!c.ok ? 'FAIL' : c.warn ? 'warn' : 'ok'}`, c.name, c.detail])), '', 'providers:'];
  for (const p of providers) {
    lines.push(`  ${p.provider}: ${p.available ? 'available' : `not available — ${p.reason ?? ''}`}`);
    lines.push(
      `    keys: ${Object.entries(p.keys)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    lines.push(`    base URL: ${p.base_url}`);
  }
  if (live) lines.push('', ...live.lines);
  const offline = checks.every((c) => c.ok);
  lines.push('', offline ? 'ready: the offline studio works here' : 'not ready: fix the FAIL lines above');
  if (live && !live.ok) lines.push('live smoke test: departures from the capability files (see above)');
  printLines(lines);
  return ok ? 0 : 1;
}
