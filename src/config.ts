import path from 'node:path';

/**
 * Everything the server reads from the environment, read once. Secrets stay in `secrets` and are never copied
 * into records, logs or results; `redact` scrubs them from any text that might leave the process.
 */
export interface StudioConfig {
  home: string;
  allowedDirs: string[];
  ffmpegPath?: string;
  ffprobePath?: string;
  /** How long a generation tool waits before answering with a job id instead (ms). */
  waitMs: number;
  /** STUDIO_POLL_INTERVAL_MS: one poll cadence for every provider (tests, impatient users); default per provider. */
  pollIntervalMs?: number;
  /** Give up on a provider job (and cancel it there) after this long. */
  jobTimeoutMs: number;
  /**
   * STUDIO_LEASE_SECONDS (default 30): how long a job stays locked to the process running it without a renewal —
   * its row's lease, renewed every third of it, and with STUDIO_REDIS_URL its BullMQ lock and stalled-job check.
   * The time another process waits before it takes over the jobs of one that died on another machine (src/jobs/lease.ts).
   */
  leaseMs?: number;
  baseUrls: {
    vertex?: string;
    replicate: string;
    elevenlabs: string;
    wavespeed: string;
  };
  google: {
    project?: string;
    location: string;
    credentialsFile?: string;
  };
  secrets: {
    googleApiKey?: string;
    replicateToken?: string;
    elevenlabsKey?: string;
    wavespeedKey?: string;
    httpToken?: string;
    /** STUDIO_DATABASE_URL (postgres://…): the records in Postgres instead of the studio folder's SQLite file. */
    databaseUrl?: string;
    /** The password inside databaseUrl, scrubbed on its own too (a driver error may quote it without the URL). */
    databasePassword?: string;
    /** STUDIO_REDIS_URL and its password, only so that `redact` scrubs them (the URL is read from `redis`). */
    redisUrl?: string;
    redisPassword?: string;
    /** Only so that `redact` scrubs it: the S3 client reads its keys from the environment itself. */
    awsSecretAccessKey?: string;
  };
  /** Per-provider concurrency overrides: STUDIO_CONCURRENCY_<PROVIDER>=n */
  concurrency: Record<string, number>;
  budgetUsd?: number;
  /**
   * STUDIO_MODELS: model ids or provider prefixes (`vertex`, `replicate/bytedance/`) that narrow the models the
   * studio offers; unset = every model whose provider is configured, plus local/*.
   */
  studioModels?: string[];
  /**
   * STUDIO_CONFIRM_USD: a paid call estimated above this (or of unknown price), or one that would cross
   * STUDIO_BUDGET_USD, asks the user first (src/studio/confirmations.ts). Unset: nothing asks.
   */
  confirmUsd?: number;
  /** STUDIO_PRICES: a JSON file of prices for models the shipped files have none for (src/capabilities/price-overrides.ts). */
  pricesFile?: string;
  /** STUDIO_UI_DIR: where the built views are (storyboard.html); default dist/ui/ of the package. */
  uiDir?: string;
  /**
   * STUDIO_S3_BUCKET: media, renders and sidecars in an S3-compatible bucket instead of the studio folder (which
   * keeps the database and local scratch). Endpoint, region and keys are the standard AWS_* variables, read by the
   * SDK itself: the keys are never copied here (only into `secrets`, so that `redact` scrubs them).
   */
  s3?: S3Settings;
  /**
   * STUDIO_REDIS_URL (redis://…): provider jobs go through BullMQ queues on this Redis, run by whichever process
   * works them (src/jobs/dispatch-bullmq.ts), each provider's limit holding across all of them. STUDIO_REDIS_PREFIX
   * (default `studio`) keeps several studios apart on one Redis. Renders go through its `render` queue
   * (src/jobs/render-bullmq.ts): STUDIO_RENDER_CONCURRENCY renders at once across every process (default 4); a
   * render worker that dies gives its render to another after STUDIO_LEASE_SECONDS, as a job.
   */
  redis?: { url: string; prefix: string; renderConcurrency: number };
  /** `--http` behind a load balancer (src/transports/http-host.ts). */
  http: HttpSettings;
}

export interface HttpSettings {
  /** STUDIO_HTTP_HOST: the address `--http` binds (default 127.0.0.1; anything else needs STUDIO_HTTP_TOKEN). */
  host?: string;
  /**
   * STUDIO_HTTP_ALLOWED_HOSTS (comma-separated): public names the Host and Origin checks accept besides loopback,
   * e.g. `studio.example.com,lb.local:8080` (a name without a port matches it on any port).
   */
  allowedHosts: string[];
  /** STUDIO_REPLICA_NAME: sent as the X-Studio-Replica response header, so a cluster shows which replica answered. */
  replicaName?: string;
  /**
   * STUDIO_PUBLIC_URL: where people reach the server (a load balancer's https origin); links to the storyboard page
   * use it, and its name passes the Host and Origin checks. Checked at `serve` (publicUrlRefusal).
   */
  publicUrl?: string;
}

export interface S3Settings {
  bucket: string;
  /** STUDIO_S3_PREFIX: keys start with it (several studios in one bucket). */
  prefix?: string;
  /** AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL): an S3-compatible service such as Ceph RGW or MinIO. */
  endpoint?: string;
  /** AWS_REGION (or AWS_DEFAULT_REGION); us-east-1 when unset, which S3-compatible services accept. */
  region: string;
  /** STUDIO_S3_FORCE_PATH_STYLE=1: `endpoint/bucket/key` URLs instead of `bucket.endpoint/key`. */
  forcePathStyle: boolean;
  /**
   * STUDIO_S3_RETRY_SECONDS: how long a call to the bucket (a write: a provider output, a render, a sidecar; or a read:
   * a download, a check) keeps retrying while the service fails (5xx, 429, dropped connections) before it fails
   * (src/store/blob-retry.ts); unset = 60 s.
   */
  retryMs?: number;
  /**
   * STUDIO_S3_URL_TTL: seconds the presigned GET URLs in tool results and resources stay valid (default 3600; S3
   * accepts 1 s to 7 days, so a value outside is brought inside).
   */
  urlTtlSeconds: number;
}

/** The `name[:port]` of STUDIO_PUBLIC_URL (the port only when not the scheme's default), or undefined when it does not parse. */
function publicHost(v: string | undefined): string | undefined {
  try {
    return v?.trim() ? new URL(v.trim()).host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Renders at once across every process on one Redis when STUDIO_RENDER_CONCURRENCY is unset: each process runs one
 * (ffmpeg is CPU-bound), so this only bites past 4 render-working processes, and keeps that many renders from
 * pulling their source clips from shared storage at once. Raise it with the number of render workers.
 */
export const DEFAULT_RENDER_CONCURRENCY = 4;

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v && v.trim() !== '' ? v.trim() : undefined;
}

/** A comma-separated list of model ids or prefixes; empty or unset = no narrowing. */
function modelList(v: string | undefined): string[] | undefined {
  const items = (v ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  return items.length ? items : undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): StudioConfig {
  const home = path.resolve(cwd, nonEmpty(env.STUDIO_HOME) ?? 'studio-data');
  const allowedDirs = (env.STUDIO_ALLOWED_DIRS ?? '')
    .split(path.delimiter)
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((d) => path.resolve(cwd, d));
  const concurrency: Record<string, number> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^STUDIO_CONCURRENCY_([A-Z0-9]+)$/.exec(k);
    const n = num(v);
    if (m?.[1] && n && n >= 1) concurrency[m[1].toLowerCase()] = Math.floor(n);
  }
  return {
    home,
    allowedDirs,
    ffmpegPath: nonEmpty(env.FFMPEG_PATH),
    ffprobePath: nonEmpty(env.FFPROBE_PATH),
    waitMs: Math.max(0, (num(env.STUDIO_WAIT_SECONDS) ?? 45) * 1000),
    pollIntervalMs: (num(env.STUDIO_POLL_INTERVAL_MS) ?? 0) > 0 ? num(env.STUDIO_POLL_INTERVAL_MS) : undefined,
    jobTimeoutMs: Math.max(1, num(env.STUDIO_JOB_TIMEOUT_SECONDS) ?? 3600) * 1000,
    ...((num(env.STUDIO_LEASE_SECONDS) ?? 0) > 0 ? { leaseMs: Math.max(1, num(env.STUDIO_LEASE_SECONDS) as number) * 1000 } : {}),
    baseUrls: {
      vertex: nonEmpty(env.VERTEX_BASE_URL),
      replicate: nonEmpty(env.REPLICATE_BASE_URL) ?? 'https://api.replicate.com/v1',
      elevenlabs: nonEmpty(env.ELEVENLABS_BASE_URL) ?? 'https://api.elevenlabs.io',
      wavespeed: nonEmpty(env.WAVESPEED_BASE_URL) ?? 'https://api.wavespeed.ai',
    },
    google: {
      project: nonEmpty(env.GOOGLE_CLOUD_PROJECT) ?? nonEmpty(env.GCLOUD_PROJECT),
      location: nonEmpty(env.GOOGLE_CLOUD_LOCATION) ?? 'us-central1',
      credentialsFile: nonEmpty(env.GOOGLE_APPLICATION_CREDENTIALS),
    },
    secrets: {
      googleApiKey: nonEmpty(env.GOOGLE_API_KEY),
      replicateToken: nonEmpty(env.REPLICATE_API_TOKEN),
      elevenlabsKey: nonEmpty(env.ELEVENLABS_API_KEY),
      wavespeedKey: nonEmpty(env.WAVESPEED_API_KEY),
      httpToken: nonEmpty(env.STUDIO_HTTP_TOKEN),
      databaseUrl: nonEmpty(env.STUDIO_DATABASE_URL),
      databasePassword: urlPassword(env.STUDIO_DATABASE_URL),
      awsSecretAccessKey: nonEmpty(env.AWS_SECRET_ACCESS_KEY),
      redisUrl: nonEmpty(env.STUDIO_REDIS_URL),
      redisPassword: urlPassword(env.STUDIO_REDIS_URL),
    },
    concurrency,
    budgetUsd: num(env.STUDIO_BUDGET_USD),
    studioModels: modelList(env.STUDIO_MODELS),
    // A negative threshold means nothing sensible; treat it as unset rather than "confirm everything".
    confirmUsd: (num(env.STUDIO_CONFIRM_USD) ?? -1) >= 0 ? num(env.STUDIO_CONFIRM_USD) : undefined,
    ...(nonEmpty(env.STUDIO_PRICES) ? { pricesFile: path.resolve(cwd, nonEmpty(env.STUDIO_PRICES) as string) } : {}),
    uiDir: nonEmpty(env.STUDIO_UI_DIR) ? path.resolve(cwd, nonEmpty(env.STUDIO_UI_DIR) as string) : undefined,
    ...s3Settings(env),
    http: {
      host: nonEmpty(env.STUDIO_HTTP_HOST),
      allowedHosts: [...(env.STUDIO_HTTP_ALLOWED_HOSTS ?? '').split(','), publicHost(env.STUDIO_PUBLIC_URL) ?? '']
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== ''),
      replicaName: nonEmpty(env.STUDIO_REPLICA_NAME),
      ...(nonEmpty(env.STUDIO_PUBLIC_URL) ? { publicUrl: nonEmpty(env.STUDIO_PUBLIC_URL) as string } : {}),
    },
    ...(nonEmpty(env.STUDIO_REDIS_URL)
      ? {
          redis: {
            url: nonEmpty(env.STUDIO_REDIS_URL) as string,
            prefix: nonEmpty(env.STUDIO_REDIS_PREFIX) ?? 'studio',
            renderConcurrency: Math.max(1, Math.floor(num(env.STUDIO_RENDER_CONCURRENCY) ?? DEFAULT_RENDER_CONCURRENCY)),
          },
        }
      : {}),
  };
}

function s3Settings(env: NodeJS.ProcessEnv): { s3?: S3Settings } {
  const bucket = nonEmpty(env.STUDIO_S3_BUCKET);
  if (!bucket) return {};
  const prefix = nonEmpty(env.STUDIO_S3_PREFIX);
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  const retry = num(env.STUDIO_S3_RETRY_SECONDS);
  return {
    s3: {
      bucket,
      ...(prefix ? { prefix } : {}),
      ...(endpoint ? { endpoint } : {}),
      region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1',
      forcePathStyle: /^(1|true|yes)$/i.test(env.STUDIO_S3_FORCE_PATH_STYLE ?? ''),
      ...(retry !== undefined && retry >= 0 ? { retryMs: retry * 1000 } : {}),
      urlTtlSeconds: Math.min(7 * 24 * 3600, Math.max(1, Math.round(num(env.STUDIO_S3_URL_TTL) ?? 3600))),
    },
  };
}

/** Replace every configured secret in `text` with a marker. Used on everything that is logged or returned. */
function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return nonEmpty(decodeURIComponent(new URL(url).password));
  } catch {
    return undefined;
  }
}

export function redact(text: string, config: StudioConfig): string {
  let out = text;
  for (const secret of Object.values(config.secrets)) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
