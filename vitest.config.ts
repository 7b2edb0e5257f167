import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Three projects, chosen by folder of test/: `unit` imports src/ directly (always fresh; the inner loop is
// `npm run test:unit`); `integration` drives the server end to end (in-memory MCP client, spawned CLI and server,
// plans); `reliability` is the slow adversarial part (crash loop, load, faults, fuzz, secrets, transport hardening);
// `browser` drives the storyboard view in headless Chromium.
// `npm test` runs them all. The two that spawn `dist/src/cli.js` build dist/ first (test/setup/build-dist.ts); the
// build is incremental, so running both costs one real build.
const FOLDERS = {
  unit: ['capabilities', 'media', 'prompts', 'providers', 'jobs', 'studio', 'mcp', 'storyboard', 'store'],
  integration: ['server', 'transports', 'e2e', 'cli', 'plans'],
  reliability: ['reliability', 'security'],
  browser: ['browser'],
} as const;
const BUILD = './test/setup/build-dist.ts';
const BUILD_UI = './test/browser/build-ui.setup.ts';

// A new test folder must be put in a project: otherwise its tests would silently never run.
const assigned = new Set<string>(Object.values(FOLDERS).flat());
const orphans = readdirSync('test', { withFileTypes: true })
  .filter((d) => d.isDirectory() && !assigned.has(d.name) && readdirSync(`test/${d.name}`, { recursive: true }).some((f) => String(f).endsWith('.test.ts')))
  .map((d) => d.name);
if (orphans.length) throw new Error(`vitest.config.ts: put test/${orphans.join(', test/')} into a project`);

// One folder has no braces: `{browser}` would not expand.
const include = (folders: readonly string[]) => [`test/${folders.length === 1 ? folders[0] : `{${folders.join(',')}}`}/**/*.test.ts`];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // ffmpeg-heavy suites share 2 cores; more workers only thrash.
    maxWorkers: 2,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: include(FOLDERS.unit) } },
      { extends: true, test: { name: 'integration', include: include(FOLDERS.integration), globalSetup: [BUILD] } },
      { extends: true, test: { name: 'reliability', include: include(FOLDERS.reliability), globalSetup: [BUILD] } },
      // Headless Debian Chromium against the built view (dist/ui) and the built server (page tests spawn --http).
      { extends: true, test: { name: 'browser', include: include(FOLDERS.browser), globalSetup: [BUILD, BUILD_UI] } },
    ],
  },
});
