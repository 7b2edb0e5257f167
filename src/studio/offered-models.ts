import { DEFAULT_MODELS } from '../capabilities/defaults.js';
import type { Capability, Task } from '../capabilities/types.js';
import { invalidInput, type StudioError } from '../errors.js';
import type { Studio } from './studio.js';

/**
 * Which models the studio offers: the `model` enum of every generation tool, the same for every client. Default:
 * every model whose provider is configured, plus local/*; STUDIO_MODELS narrows that. It changes only when the
 * catalogue changes (a Replicate model described live) or with the configuration (a restart).
 */

/** Whether a model id is named by a STUDIO_MODELS entry: the id itself, or a prefix ending at a `/` (`vertex`, `replicate/bytedance/`). */
export function matchesModelList(id: string, entries: readonly string[]): boolean {
  return entries.some((e) => id === e || id.startsWith(e.endsWith('/') ? e : `${e}/`));
}

export class OfferedModels {
  /** Providers with credentials, read once: the configuration only changes with a restart. */
  private configured: Set<string> | undefined;

  constructor(private readonly studio: Studio) {}

  private providerConfigured(provider: string): boolean {
    if (!this.configured) {
      this.configured = new Set([...this.studio.adapters.entries()].filter(([p, a]) => p === 'local' || a.availability().available).map(([p]) => p));
    }
    return this.configured.has(provider);
  }

  /** Whether the studio offers this model (to any task). */
  offers(cap: Capability): boolean {
    const list = this.studio.config.studioModels;
    return this.providerConfigured(cap.provider) && (!list || matchesModelList(cap.id, list));
  }

  /** The offered models of a task, sorted by id code unit by code unit (the same order under every locale). */
  forTask(task: Task): Capability[] {
    return this.studio.registry
      .list({ task })
      .filter((c) => this.offers(c))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  ids(task: Task): string[] {
    return this.forTask(task).map((c) => c.id);
  }

  /** The model a call uses when neither it nor its shot names one: the offline default if offered, else the first offered. */
  defaultModel(task: Task): string {
    const ids = this.ids(task);
    return ids.includes(DEFAULT_MODELS[task]) ? DEFAULT_MODELS[task] : (ids[0] ?? DEFAULT_MODELS[task]);
  }

  /**
   * The refusal of a known model the studio does not offer: names the field, the model, the offered ids and what
   * would offer it (the provider's key, or STUDIO_MODELS).
   */
  notOffered(cap: Capability, field = 'model'): StudioError {
    const offered = this.ids(cap.task);
    const why: string[] = [];
    if (!this.providerConfigured(cap.provider)) {
      const a = this.studio.models.availability(cap);
      const env = a.available ? undefined : a.env;
      why.push(`its provider ${cap.provider} is not configured${env?.length ? ` (set ${env.join(' or ')})` : ''}`);
    }
    const list = this.studio.config.studioModels;
    if (list && !matchesModelList(cap.id, list)) why.push(`STUDIO_MODELS=${list.join(',')} leaves it out`);
    return invalidInput(`${cap.id} is not offered here: ${why.join(' and ')}; offered ${cap.task} models: ${offered.join(', ') || '(none)'}`, {
      field,
      model: cap.id,
      accepts: offered.join(', '),
    });
  }

  /** @throws the notOffered error when the studio does not offer `cap`. */
  require(cap: Capability, field = 'model'): Capability {
    if (!this.offers(cap)) throw this.notOffered(cap, field);
    return cap;
  }

  /** Everything tools/list derives from the offered models: when it changes, the tool list changed. */
  signature(): string {
    return JSON.stringify(this.studio.registry.list().filter((c) => this.offers(c)));
  }
}
