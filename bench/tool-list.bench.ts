import type { BenchResult } from './lib.js';
import { ALL_PROVIDERS_ENV, measureToolList } from './tool-list-sizes.js';

/**
 * The size of tools/list, the part of an agent's context every client carries: one list for every connection,
 * derived from the offered models (default: local models only; with all four providers configured, every shipped
 * model). Bytes, not times; tokens estimated at 4 bytes each.
 */

/** Measured on main at 302751b (per-session selection, default configuration): `studio-mcp tools --json`. */
export const BEFORE_BYTES = 51_852;

export async function run(): Promise<BenchResult[]> {
  const plain = await measureToolList();
  const all = await measureToolList(ALL_PROVIDERS_ENV);
  const tokens = (b: number): number => Math.round(b / 4);
  return [
    { name: 'tools --json, default configuration', value: plain.bytes, unit: 'bytes', note: `${tokens(plain.bytes)} tokens; before: ${BEFORE_BYTES} bytes` },
    {
      name: 'tools --json, all four providers configured',
      value: all.bytes,
      unit: 'bytes',
      target: '<= 53000',
      pass: all.bytes <= 53_000,
      note:
        `${tokens(all.bytes)} tokens; generation tools, lookups and smooth transition: ${all.generation_bytes} bytes; app-only tools (not given to ` +
        `the model): ${all.app_only_bytes} bytes`,
    },
    {
      name: 'with output schemas, all four providers configured',
      value: all.with_output_bytes,
      unit: 'bytes',
      note:
        `${tokens(all.with_output_bytes)} tokens; default configuration: ${plain.with_output_bytes} bytes; hosts check results with these, agents do not ` +
        `read them`,
    },
  ];
}

export const notes =
  'Compact JSON of `studio-mcp tools --json` (name, description, input schema of every tool), once as printed and ' +
  'once with each output schema. "All four providers" sets fake keys, so every shipped model is offered: the ' +
  "generation tools then carry the union of up to 14 models' fields. test/server/tool-list.test.ts holds the all-providers " +
  'list to 53,000 bytes.';
