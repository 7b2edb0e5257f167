import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { capabilityMetaSchema, metaSchemaText } from '../../src/capabilities/meta-schema.js';
import {
  CapabilityLoadError,
  CapabilityRegistry,
  defaultSchemaDir,
  loadCapabilities,
  META_SCHEMA_FILE,
  packageRoot,
  parseCapabilityFile,
} from '../../src/capabilities/registry.js';
import type { Capability } from '../../src/capabilities/types.js';
import { StudioError } from '../../src/errors.js';
import { registry, thrownMessage } from './helpers.js';

const schemaDir = defaultSchemaDir();

function shippedFiles(dir = schemaDir): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && f !== META_SCHEMA_FILE)
    .sort();
}

describe('meta-schema', () => {
  it('capability-schemas/meta-schema.json is generated from the zod schema and up to date', () => {
    const file = path.join(schemaDir, META_SCHEMA_FILE);
    // Regenerate with: UPDATE_META_SCHEMA=1 npx vitest run test/capabilities/registry.test.ts
    if (process.env['UPDATE_META_SCHEMA']) fs.writeFileSync(file, metaSchemaText());
    expect(fs.readFileSync(file, 'utf8')).toBe(metaSchemaText());
  });

  const metaValidator = z.fromJSONSchema(capabilityMetaSchema() as Parameters<typeof z.fromJSONSchema>[0]);
  it.each(shippedFiles())('%s validates against the JSON meta-schema', (rel) => {
    const json: unknown = JSON.parse(fs.readFileSync(path.join(schemaDir, rel), 'utf8'));
    const r = metaValidator.safeParse(json);
    expect(r.error?.issues ?? []).toEqual([]);
  });

  it('the JSON meta-schema rejects a file missing required keys', () => {
    expect(metaValidator.safeParse({ id: 'local/x' }).success).toBe(false);
  });
});

describe('loading', () => {
  it('finds the package root from src/ (and would from dist/src/)', () => {
    const root = packageRoot();
    expect(fs.existsSync(path.join(root, 'package.json'))).toBe(true);
    const fake = path.join(root, 'dist', 'src', 'capabilities', 'registry.js');
    expect(packageRoot(fake)).toBe(root);
  });

  it('loads every shipped file', () => {
    expect(registry.size).toBe(shippedFiles().length);
    for (const rel of shippedFiles()) {
      const id = rel
        .replace(/\.json$/, '')
        .split(path.sep)
        .join('/');
      expect(registry.get(id)?.id).toBe(id);
    }
  });

  function tmpDirWith(files: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caps-'));
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return dir;
  }

  const good = JSON.parse(fs.readFileSync(path.join(schemaDir, 'local/still.json'), 'utf8')) as Record<string, unknown>;

  it('names the file and the problem for invalid JSON', () => {
    const dir = tmpDirWith({ 'local/still.json': '{ nope' });
    const msg = thrownMessage(() => loadCapabilities(dir));
    expect(msg).toMatch(/capability file local\/still\.json: not valid JSON/);
  });

  it('names the file and the field for a meta-schema violation', () => {
    const dir = tmpDirWith({ 'local/still.json': { ...good, task: 'dance' } });
    expect(() => loadCapabilities(dir)).toThrow(CapabilityLoadError);
    expect(thrownMessage(() => loadCapabilities(dir))).toMatch(/local\/still\.json.*task/);
  });

  it('refuses a file whose path does not match its id', () => {
    const dir = tmpDirWith({ 'local/other.json': good });
    expect(thrownMessage(() => loadCapabilities(dir))).toMatch(/local\/other\.json.*must live in local\/still\.json/);
  });

  it('refuses a rule naming a field the model does not have', () => {
    const dir = tmpDirWith({
      'local/still.json': { ...good, rules: [{ kind: 'requires', if: 'end_frame', then: ['start_frame'] }] },
    });
    expect(thrownMessage(() => loadCapabilities(dir))).toMatch(/rule 0 \(requires\) names 'end_frame'/);
  });

  it('refuses typos in keys', () => {
    const fields = { ...(good['fields'] as Record<string, unknown>), extra: { schema: { type: 'string' }, requried: true } };
    const dir = tmpDirWith({ 'local/still.json': { ...good, fields } });
    expect(thrownMessage(() => loadCapabilities(dir))).toMatch(/unknown key\(s\) fields\.extra\.requried/);
  });

  it('refuses a media role without its media kind and two fields exposed under one name', () => {
    const fields = {
      ...(good['fields'] as Record<string, unknown>),
      image_input: { role: 'reference_images', schema: { type: 'array', items: { type: 'string' } } },
    };
    const msg = thrownMessage(() => parseCapabilityFile('local/still.json', JSON.stringify({ ...good, fields })));
    expect(msg).toMatch(/both exposed as 'reference_images'/);
    expect(msg).toMatch(/must declare media 'image'/);
  });

  it('ignores the meta-schema file', () => {
    const dir = tmpDirWith({ 'local/still.json': good, [META_SCHEMA_FILE]: { whatever: true } });
    expect(loadCapabilities(dir)).toHaveLength(1);
  });
});

describe('CapabilityRegistry', () => {
  it('require() returns a known model', () => {
    expect(registry.require('local/animatic').task).toBe('video_generate');
  });

  it('require() lists the known ids of the task for an unknown model', () => {
    const err = (() => {
      try {
        registry.require('local/nope', 'model', 'video_generate');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(StudioError);
    const se = err as StudioError;
    expect(se.code).toBe('invalid_input');
    expect(se.message).toMatch(/unknown model 'local\/nope'; known models for video_generate: .*local\/animatic/);
    expect(se.message).not.toMatch(/local\/still/);
    expect(se.details.field).toBe('model');
  });

  it('require() with a task refuses a model of another task', () => {
    expect(thrownMessage(() => registry.require('local/still', 'model', 'video_generate'))).toMatch(
      /'local\/still' is a image_generate model, not a video_generate model/,
    );
  });

  it('list() filters by task, media type and provider', () => {
    expect(registry.list({ task: 'voice_tts' }).map((c) => c.id)).toContain('local/voice');
    expect(registry.list({ mediaType: 'image' }).every((c) => c.media_type === 'image')).toBe(true);
    expect(registry.list({ provider: 'local' }).every((c) => c.provider === 'local')).toBe(true);
  });

  it('add() replaces a model (live schemas) and refuses an invalid one', () => {
    const r = new CapabilityRegistry(registry.list({ provider: 'local' }));
    const still = r.require('local/still');
    r.add({ ...still, title: 'Live still', status: 'live' });
    expect(r.require('local/still').title).toBe('Live still');
    const broken: Capability = { ...still, rules: [{ kind: 'max_items', field: 'nope', max: 1 }] };
    expect(() => r.add(broken)).toThrow(/not a field of this model/);
  });
});
