import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { inject } from '../capabilities/inject.js';
import { estimateCost, type CostEstimate } from '../capabilities/pricing.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import { checkRules } from '../capabilities/rules.js';
import { parseArgs, toProviderFields } from '../capabilities/tool-schema.js';
import type { Capability, MediaKind } from '../capabilities/types.js';
import { outputFile, runFfmpeg } from '../media/ffmpeg.js';
import { probe } from '../media/probe.js';
import { conformInputs } from '../providers/conform-inputs.js';
import type { AdapterContext, MediaInput, ProviderAdapter, ProviderOutput, ProviderRequest } from '../providers/types.js';

/**
 * The live smoke test (`studio-mcp doctor --live`): one cheap, documented call per configured provider, each reply
 * checked against what the capability file promises (an output of its media kind and MIME family, readable by
 * ffprobe, with an audio track where the file says so). It exists for people with real keys: the offline fakes
 * follow the docs, and this is how a departure of the real service from the docs shows up.
 */

/** One smoke call: the cheapest documented call of a provider (shortest clip, smallest image, one short line). */
export interface SmokeCall {
  provider: string;
  model: string;
  /** Agent-facing arguments; media ids name the inputs in `media`, made locally with ffmpeg. */
  args: Record<string, unknown>;
  media?: Record<string, MediaKind>;
  /** Output seconds for the estimate when the call has no duration (lip-sync: the audio's length). */
  seconds?: number;
}

const PROMPT = 'A plain red apple on a white table, soft daylight.';

/**
 * ElevenLabs' premade voice used in its API reference examples ("Rachel"); available to every account.
 * The smoke audio for lip-sync is one second long: InfiniteTalk bills its 5 s minimum for it.
 */
export const SMOKE_CALLS: SmokeCall[] = [
  { provider: 'vertex', model: 'vertex/gemini-2.5-flash-image', args: { prompt: PROMPT } },
  { provider: 'replicate', model: 'replicate/bytedance/seedream-4', args: { prompt: PROMPT, size: '1K' } },
  { provider: 'elevenlabs', model: 'elevenlabs/eleven_flash_v2_5', args: { text: 'Hello.', voice_id: '21m00Tcm4TlvDq8ikWAM' } },
  {
    provider: 'wavespeed',
    model: 'wavespeed/wavespeed-ai/infinitetalk',
    args: { image: 'smoke_face', audio: 'smoke_line', resolution: '480p' },
    media: { smoke_face: 'image', smoke_line: 'audio' },
    seconds: 1,
  },
];

export interface SmokePlanItem {
  provider: string;
  model: string;
  /** Whether the provider is configured here (keys set); only those are called. */
  configured: boolean;
  reason?: string;
  /** The call's agent-facing arguments, as sent to the studio's validation. */
  args: Record<string, unknown>;
  estimate?: CostEstimate;
}

export interface SmokeResult {
  provider: string;
  model: string;
  ok: boolean;
  /** What differed from the capability file's expectations (or the error that stopped the call). */
  departures: string[];
  outputs: number;
}

/** The studio's validation of a smoke call: the values after parsing, injection and rules (errors are departures). */
function validate(c: Capability, call: SmokeCall, registry: CapabilityRegistry): { values: Record<string, unknown>; errors: string[] } {
  try {
    const explicit = parseArgs(c, call.args, { lister: registry });
    const r = checkRules(c, inject(c, explicit, {}, registry).values);
    return { values: r.values, errors: r.errors.map((e) => e.message) };
  } catch (err) {
    return { values: {}, errors: [err instanceof Error ? err.message : String(err)] };
  }
}

/** What each configured provider would be asked, with its estimated cost from the file's published price. */
export function smokePlan(registry: CapabilityRegistry, adapters: Map<string, ProviderAdapter>): SmokePlanItem[] {
  return SMOKE_CALLS.map((call) => {
    const c = registry.get(call.model);
    const a = adapters.get(call.provider)?.availability() ?? { available: false as const, reason: 'no adapter' };
    const estimate = c ? estimateCost(c, validate(c, call, registry).values, call.seconds !== undefined ? { seconds: call.seconds } : {}) : undefined;
    return {
      provider: call.provider,
      model: call.model,
      configured: a.available,
      ...(a.available ? {} : { reason: a.reason }),
      args: call.args,
      ...(estimate ? { estimate } : {}),
    };
  });
}

/** A small local input for a smoke call: a 512 px grey still or one second of a 220 Hz tone. */
async function makeInput(dir: string, id: string, kind: MediaKind): Promise<MediaInput> {
  const still = kind === 'image';
  const file = path.join(dir, `${id}.${still ? 'png' : 'wav'}`);
  const source = still ? 'color=c=gray:s=512x512' : 'sine=frequency=220:duration=1';
  // A lavfi source, not a file: inputFile() would force the file: protocol on it.
  await runFfmpeg(['-f', 'lavfi', '-i', source, ...(still ? ['-frames:v', '1', '-update', '1'] : []), outputFile(file)], { what: 'smoke input' });
  const data = await readFile(file);
  return {
    mediaId: id,
    path: file,
    mime: still ? 'image/png' : 'audio/wav',
    kind,
    sha256: createHash('sha256').update(data).digest('hex'),
    bytes: data.length,
    ...(still ? { width: 512, height: 512 } : {}),
  };
}

const family = (mime: string): string => mime.split('/')[0] ?? '';

/** Departures of one downloaded output from the file's `output` and `media_type`. */
export async function checkOutput(c: Capability, file: string, mime: string, index: number): Promise<string[]> {
  const n = `output ${index + 1}`;
  const out: string[] = [];
  if (family(mime) !== family(c.output.mime)) out.push(`${n} is ${mime}; the file expects ${c.output.mime}`);
  const size = (await stat(file)).size;
  if (size === 0) return [...out, `${n} is empty`];
  let p;
  try {
    p = await probe(file, { cache: false });
  } catch (err) {
    return [...out, `${n} (${mime}, ${size} bytes) is not readable media: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`];
  }
  if (c.media_type === 'voice' && !p.hasAudio) out.push(`${n} has no audio stream`);
  if (c.media_type !== 'voice' && !p.hasVideo) out.push(`${n} has no picture`);
  if (c.media_type === 'video') {
    if (!(p.durationSeconds > 0)) out.push(`${n} has no duration`);
    if (c.output.has_audio !== undefined && p.hasAudio !== c.output.has_audio) {
      out.push(`${n} ${p.hasAudio ? 'has' : 'has no'} audio track; the file says has_audio ${c.output.has_audio}`);
    }
  }
  return out;
}

export interface SmokeDeps {
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Gives up on a call after this long (default 15 minutes; lip-sync renders take minutes). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
}

/** Run one smoke call to its end at the provider and check the reply. Never throws: failures are departures. */
export async function runSmokeCall(
  call: SmokeCall,
  registry: CapabilityRegistry,
  adapter: ProviderAdapter,
  workDir: string,
  deps: SmokeDeps = {},
): Promise<SmokeResult> {
  const base = { provider: call.provider, model: call.model };
  const c = registry.get(call.model);
  if (!c) return { ...base, ok: false, departures: [`${call.model} is not in the catalogue`], outputs: 0 };
  const { values, errors } = validate(c, call, registry);
  if (errors.length) return { ...base, ok: false, departures: errors, outputs: 0 };
  const ctx: AdapterContext = {
    signal: deps.signal ?? new AbortController().signal,
    fetch: deps.fetch ?? globalThis.fetch,
    workDir,
    log: deps.log ?? (() => {}),
  };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    const fields = toProviderFields(c, values);
    for (const [name, v] of Object.entries(fields)) {
      const kind = typeof v === 'string' ? call.media?.[v] : undefined;
      if (kind && typeof v === 'string') fields[name] = await makeInput(workDir, v, kind);
    }
    const req: ProviderRequest = await conformInputs({ jobId: `smoke_${call.provider}`, capability: c, fields }, workDir, ctx.signal);
    const started = await adapter.start(req, ctx);
    let outputs: ProviderOutput[];
    if (started.kind === 'done') outputs = started.outputs;
    else {
      const deadline = Date.now() + (deps.timeoutMs ?? 15 * 60_000);
      for (;;) {
        const r = await adapter.poll(started.operationId, req, ctx);
        if (r.state === 'succeeded') {
          outputs = r.outputs;
          break;
        }
        if (r.state === 'failed') return { ...base, ok: false, departures: [`the provider failed the call: ${r.error.message}`], outputs: 0 };
        if (Date.now() > deadline) return { ...base, ok: false, departures: ['no result before the smoke test timeout'], outputs: 0 };
        await sleep(adapter.pollIntervalMs(req));
      }
    }
    if (outputs.length === 0) return { ...base, ok: false, departures: ['the call succeeded without any output'], outputs: 0 };
    const departures: string[] = [];
    for (const [i, o] of outputs.entries()) {
      const dest = path.join(workDir, `smoke-${call.provider}-${i}.out`);
      const { mime } = await adapter.download(o, dest, ctx);
      departures.push(...(await checkOutput(c, dest, mime, i)));
    }
    return { ...base, ok: departures.length === 0, departures, outputs: outputs.length };
  } catch (err) {
    return { ...base, ok: false, departures: [err instanceof Error ? err.message : String(err)], outputs: 0 };
  }
}

/** "$0.18" or "price not published in the file", for the plan. */
export function estimateText(e: CostEstimate | undefined): string {
  return e ? `about $${e.usd.toFixed(2)} (${e.basis})` : 'price not in the capability file';
}
