import { notFound } from '../errors.js';
import type { Studio } from '../studio/studio.js';
import { jobView } from '../jobs/view.js';
import { storyboardUiEntry } from '../storyboard/app-resource.js';
import { FrameFiles } from '../storyboard/frames.js';

export interface ResourceEntry {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType: string;
  _meta?: Record<string, unknown>;
}

export interface ResourceTemplateEntry {
  uriTemplate: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
}

/** The kinds of things the studio exposes as resources; one template each. */
export const RESOURCE_TEMPLATES: ResourceTemplateEntry[] = [
  {
    uriTemplate: 'studio://characters/{character_id}',
    name: 'character',
    title: 'Character',
    description: 'A character: name, reference images, voice, style tokens.',
    mimeType: 'application/json',
  },
  {
    uriTemplate: 'studio://films/{film_id}',
    name: 'film',
    title: 'Film',
    description: 'A film with its scenes in order and its latest render.',
    mimeType: 'application/json',
  },
  {
    uriTemplate: 'studio://scenes/{scene_id}',
    name: 'scene',
    title: 'Scene',
    description: "A scene with its shots in order, each shot's current take, all takes and dialogue.",
    mimeType: 'application/json',
  },
  {
    uriTemplate: 'studio://media/{media_id}',
    name: 'media',
    title: 'Media metadata',
    description: 'The metadata record of a media item (the same JSON as its sidecar file).',
    mimeType: 'application/json',
  },
  {
    uriTemplate: 'studio://media/{media_id}/preview',
    name: 'media preview',
    title: 'Media preview',
    description: 'A small playable copy: video as 360p H.264+AAC mp4 (at most 4 MiB), image as JPEG, audio as AAC. Made once.',
    mimeType: 'video/mp4',
  },
  {
    uriTemplate: 'studio://media/{media_id}/frame/{which}',
    name: 'video frame thumbnail',
    title: 'Video frame (thumbnail)',
    description: "A video's first or last frame ({which}: first | last) as a JPEG at most 360 px high. Made once.",
    mimeType: 'image/jpeg',
  },
  {
    uriTemplate: 'studio://media/{media_id}/frame/{which}/full',
    name: 'video frame',
    title: 'Video frame (full size)',
    description: "A video's first or last frame ({which}: first | last) at full size, PNG.",
    mimeType: 'image/png',
  },
  {
    uriTemplate: 'studio://models/{provider}/{model}',
    name: 'model',
    title: 'Model capability',
    description: "A model's capability: fields, roles, rules, limits, price, availability. {model} may contain slashes (replicate/owner/name).",
    mimeType: 'application/json',
  },
  {
    uriTemplate: 'studio://jobs/{job_id}',
    name: 'job',
    title: 'Job',
    description: 'A generation job: status, progress, result or error.',
    mimeType: 'application/json',
  },
];

const json = 'application/json';

/** Concrete resources worth listing (everything else is reachable through the templates). */
export async function listResources(studio: Studio): Promise<ResourceEntry[]> {
  const out: ResourceEntry[] = [{ uri: 'studio://characters', name: 'characters', title: 'All characters', mimeType: json }, storyboardUiEntry];
  for (const c of await studio.store.characters.list()) out.push({ uri: `studio://characters/${c.character_id}`, name: `character ${c.name}`, mimeType: json });
  for (const f of await studio.store.films.list()) out.push({ uri: `studio://films/${f.film_id}`, name: `film ${f.title}`, mimeType: json });
  for (const s of await studio.store.scenes.list()) out.push({ uri: `studio://scenes/${s.scene_id}`, name: `scene ${s.title}`, mimeType: json });
  for (const c of studio.registry.list()) out.push({ uri: `studio://models/${c.id}`, name: `model ${c.id}`, description: c.title, mimeType: json });
  return out;
}

/**
 * The file behind a binary `studio://` resource (a preview, a frame thumbnail or a full frame), made once and kept;
 * undefined when `uri` names a JSON resource.
 */
export async function binaryResource(studio: Studio, uri: string): Promise<{ path: string; mimeType: string } | undefined> {
  const preview = /^studio:\/\/media\/([^/]+)\/preview$/.exec(uri);
  if (preview) return studio.previews.get(decodeURIComponent(preview[1] ?? ''));
  return FrameFiles.for(studio).get(uri);
}

/** Read a `studio://` resource as JSON. */
export async function readResource(studio: Studio, uri: string): Promise<unknown> {
  const m = /^studio:\/\/([a-z]+)(?:\/(.+))?$/.exec(uri);
  if (!m) throw notFound('resource', uri, 'uri');
  const [, kind, rest] = m;
  const id = rest ? decodeURIComponent(rest) : undefined;
  switch (kind) {
    case 'characters':
      return id ? await studio.project.character(id, 'uri') : { characters: await studio.store.characters.list() };
    case 'films':
      if (!id) return { films: await studio.store.films.list() };
      return await studio.project.filmView(id);
    case 'scenes':
      if (!id) return { scenes: await studio.store.scenes.list() };
      return await studio.project.sceneView(id);
    case 'media': {
      if (!id) throw notFound('resource', uri, 'uri');
      const m = await studio.library.get(id, 'uri');
      // On object storage the client gets the bytes from a presigned URL (file_path stays the record's key).
      const { url } = await studio.library.fileRef(m);
      return url ? { ...m, url } : m;
    }
    case 'models': {
      if (!id) return { models: studio.models.list() };
      const cap = studio.registry.get(id);
      if (!cap) throw notFound('model', id, 'uri');
      return { ...cap, availability: studio.models.availability(cap) };
    }
    case 'jobs': {
      if (!id) return { jobs: (await studio.store.jobs.list({ limit: 50 })).map(jobView) };
      const job = await studio.store.jobs.get(id);
      if (!job) throw notFound('job', id, 'uri');
      return jobView(job);
    }
    default:
      throw notFound('resource', uri, 'uri');
  }
}
