import type { Capability, MediaKind } from '../capabilities/types.js';
import type { StudioError } from '../errors.js';

/**
 * The contract between the studio and one provider protocol. Adapters build requests and parse replies, nothing
 * else: they never touch the store, never decide rules, never choose file names in the library.
 * Every reply is parsed with zod at the boundary; every failure is thrown or returned as a StudioError with a safe
 * message (never the raw body, never a key).
 */

/** A library media item resolved to a local file, as handed to an adapter. */
export interface MediaInput {
  mediaId: string;
  path: string;
  mime: string;
  kind: MediaKind;
  sha256: string;
  bytes: number;
  /** Images and videos: pixel size when the library knows it (for providers' minimum-size and aspect limits). */
  width?: number;
  height?: number;
}

export interface ProviderRequest {
  /** The studio job id; stable across restarts (use it as an idempotency key where the provider has one). */
  jobId: string;
  capability: Capability;
  /**
   * The call's values keyed by the provider's field names (not role names), after validation, rules and injection.
   * Media fields hold a MediaInput (or MediaInput[] for arrays). Fields the caller did not give are absent.
   */
  fields: Record<string, unknown>;
}

export type ProviderOutput =
  | { kind: 'url'; url: string; mime?: string }
  /**
   * `meta`: facts the reply carried about the output (e.g. ElevenLabs' character timings), stored as they are in the
   * media record's `extra`.
   */
  | { kind: 'bytes'; data: Buffer; mime: string; meta?: Record<string, unknown> }
  /** A file the adapter already wrote into `ctx.workDir` (local provider). */
  | { kind: 'file'; path: string; mime: string }
  | { kind: 'gcs'; uri: string; mime?: string };

export type StartResult =
  /** Asynchronous API: the studio persists `operationId` and polls. */
  | { kind: 'operation'; operationId: string }
  /** Synchronous API: the outputs are already here. */
  | { kind: 'done'; outputs: ProviderOutput[]; operationId?: string };

export type PollResult =
  | { state: 'running'; progress?: number; message?: string }
  | { state: 'succeeded'; outputs: ProviderOutput[]; message?: string }
  | { state: 'failed'; error: StudioError };

export interface AdapterContext {
  signal: AbortSignal;
  /** Injected so tests use fakes; defaults to globalThis.fetch. */
  fetch: typeof fetch;
  /** A private scratch folder inside the studio for this job (temp inputs, local outputs). */
  workDir: string;
  /** Progress in 0..1 with an optional message (forwarded as MCP progress). */
  onProgress?: (progress: number, message?: string) => void;
  log: (message: string) => void;
  /**
   * The job's queue backs off a 429 on create for every process at once (a shared dispatcher): the HTTP layer gives
   * the refusal back at once instead of sleeping on it in this process alone.
   */
  queueBacksOff?: boolean;
}

export type Availability = { available: true } | { available: false; reason: string; env?: string[] };

export interface ProviderAdapter {
  /** Provider name as in model ids (`vertex`, `replicate`, ...). */
  readonly provider: string;
  /** Whether credentials and settings are present; never calls the network. */
  availability(): Availability;
  start(req: ProviderRequest, ctx: AdapterContext): Promise<StartResult>;
  poll(operationId: string, req: ProviderRequest, ctx: AdapterContext): Promise<PollResult>;
  /** Cancel at the provider where it can; a no-op where it cannot. */
  cancel(operationId: string, req: ProviderRequest, ctx: AdapterContext): Promise<void>;
  /** Write one output to `destPath` (a temp path the studio renames atomically afterwards). */
  download(output: ProviderOutput, destPath: string, ctx: AdapterContext): Promise<{ mime: string }>;
  /** Seconds to wait between polls for this request (providers document different cadences). */
  pollIntervalMs(req: ProviderRequest): number;
  /**
   * Live model discovery (Replicate): a capability built from the provider's own schema. `shipped` is the
   * capability file for the model, if any, so its roles, rules and pricing are kept.
   */
  describeModel?(providerModel: string, ctx: AdapterContext, shipped?: Capability): Promise<Capability>;
}
