import type { Capability, Task } from '../capabilities/types.js';
import { StudioError } from '../errors.js';
import type { AdapterContext, Availability } from '../providers/types.js';
import { nowIso } from '../store/ids.js';
import type { Studio } from './studio.js';

export interface ModelSummary {
  model: string;
  title: string;
  task: Task;
  media_type: Capability['media_type'];
  status: Capability['status'];
  available: boolean;
  /** Why not, and which environment variables to set. */
  unavailable_reason?: string;
  env?: string[];
  pricing?: Capability['pricing'];
}

/**
 * What models exist and whether they can run here. Replicate models the server has never seen are described from
 * the provider's live schema, cached in the store with their version, and callable at once.
 */
export class ModelCatalog {
  constructor(private readonly studio: Studio) {}

  /** Put live schemas fetched by earlier runs back into the registry. */
  loadCached(): void {
    const rows = this.studio.store.db.prepare(`SELECT capability FROM model_cache`).all() as { capability: string }[];
    for (const r of rows) {
      try {
        this.studio.registry.add(JSON.parse(r.capability) as Capability);
      } catch (err) {
        this.studio.log(`ignoring a cached model schema that no longer validates: ${String(err)}`);
      }
    }
  }

  availability(cap: Capability): Availability {
    const adapter = this.studio.adapters.get(cap.provider);
    if (!adapter) return { available: false, reason: `no adapter for provider '${cap.provider}'` };
    return adapter.availability();
  }

  summary(cap: Capability): ModelSummary {
    const a = this.availability(cap);
    return {
      model: cap.id,
      title: cap.title,
      task: cap.task,
      media_type: cap.media_type,
      status: cap.status,
      available: a.available,
      ...(a.available ? {} : { unavailable_reason: a.reason, ...(a.env ? { env: a.env } : {}) }),
      ...(cap.pricing ? { pricing: cap.pricing } : {}),
    };
  }

  list(filter: { mediaType?: Capability['media_type']; task?: Task } = {}): ModelSummary[] {
    return this.studio.registry.list(filter).map((c) => this.summary(c));
  }

  /**
   * The capability of `modelId`. For `replicate/…` models with a token configured, the live schema is read and
   * merged with the shipped file; without a token (or when the provider fails) the shipped file is used.
   */
  async describe(modelId: string, task: Task | undefined, signal: AbortSignal): Promise<{ cap: Capability; warnings: string[] }> {
    const warnings: string[] = [];
    const shipped = this.studio.registry.get(modelId);
    const [provider, ...rest] = modelId.split('/');
    const adapter = provider ? this.studio.adapters.get(provider) : undefined;
    if (provider === 'replicate' && adapter?.describeModel && adapter.availability().available) {
      try {
        const ctx: AdapterContext = { signal, fetch: globalThis.fetch, workDir: this.studio.store.blobs.home, log: this.studio.log };
        const live = await adapter.describeModel(rest.join('/'), ctx);
        this.studio.registry.add(live);
        this.studio.store.db
          .prepare(`INSERT INTO model_cache (id, version, capability, fetched_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version, capability = excluded.capability, fetched_at = excluded.fetched_at`)
          .run(live.id, live.version ?? null, JSON.stringify(live), nowIso());
        this.studio.events.changed(`studio://models/${live.id}`);
        if (task && live.task !== task) throw new StudioError('invalid_input', `'${modelId}' is a ${live.task} model, not a ${task} model`, { field: 'model', model: modelId });
        return { cap: live, warnings };
      } catch (err) {
        if (!shipped || (err instanceof StudioError && err.code === 'invalid_input')) throw err;
        warnings.push(`could not read the live schema of ${modelId} (${err instanceof StudioError ? err.message : 'provider error'}); using the shipped capability file`);
      }
    } else if (provider === 'replicate' && !shipped) {
      throw new StudioError('provider_unavailable', `'${modelId}' is not a shipped model; reading its live schema from Replicate needs REPLICATE_API_TOKEN`, {
        field: 'model',
        model: modelId,
      });
    }
    return { cap: this.studio.registry.require(modelId, 'model', task), warnings };
  }
}
