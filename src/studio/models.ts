import { mergeShipped } from '../capabilities/replicate-openapi.js';
import { Capability, type Task } from '../capabilities/types.js';
import { StudioError } from '../errors.js';
import type { AdapterContext, Availability } from '../providers/types.js';
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

  /**
   * Put live schemas fetched by earlier runs back into the registry, each merged with its shipped file (again: a
   * row written by an older version may lack the shipped price and rules).
   */
  async loadCached(): Promise<void> {
    for (const text of await this.studio.store.modelCache.capabilities()) {
      try {
        const cached = Capability.parse(JSON.parse(text));
        const shipped = this.studio.registry.shipped(cached.id);
        this.studio.registry.add(shipped ? mergeShipped(cached, shipped) : cached);
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
    const { registry } = this.studio;
    const shipped = registry.shipped(modelId);
    // A shipped model's task is known without asking the provider: a wrong-task lookup is refused before anything
    // is read, registered or cached.
    if (task && shipped && shipped.task !== task) registry.require(modelId, 'model', task);
    const [provider, ...rest] = modelId.split('/');
    const adapter = provider ? this.studio.adapters.get(provider) : undefined;
    if (provider === 'replicate' && adapter?.describeModel && adapter.availability().available) {
      let live: Capability;
      try {
        const ctx: AdapterContext = { signal, fetch: globalThis.fetch, workDir: this.studio.store.blobs.home, log: this.studio.log };
        live = await adapter.describeModel(rest.join('/'), ctx, shipped);
      } catch (err) {
        const known = registry.get(modelId);
        if (!known) throw err;
        const using = known === shipped ? 'the shipped capability file' : 'the live schema read earlier';
        warnings.push(`could not read the live schema of ${modelId} (${err instanceof StudioError ? err.message : 'provider error'}); using ${using}`);
        return { cap: registry.require(modelId, 'model', task), warnings };
      }
      // Checked before the registry and the cache change: a lookup for the wrong task leaves no trace.
      if (task && live.task !== task)
        throw new StudioError('invalid_input', `'${modelId}' is a ${live.task} model, not a ${task} model`, { field: 'model', model: modelId });
      // A model that becomes offered (or an offered one whose fields changed) changes every client's tool list.
      const toolsBefore = this.studio.offered.signature();
      registry.add(live);
      const toolsChanged = this.studio.offered.signature() !== toolsBefore;
      await this.studio.store.modelCache.put(live.id, live.version ?? null, JSON.stringify(live));
      this.studio.events.changed(`studio://models/${live.id}`);
      if (toolsChanged) this.studio.events.emit('toolsChanged');
      return { cap: live, warnings };
    }
    if (provider === 'replicate' && !registry.get(modelId)) {
      throw new StudioError('provider_unavailable', `'${modelId}' is not a shipped model; reading its live schema from Replicate needs REPLICATE_API_TOKEN`, {
        field: 'model',
        model: modelId,
      });
    }
    return { cap: registry.require(modelId, 'model', task), warnings };
  }
}
