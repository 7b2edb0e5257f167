import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup of the projects whose tests spawn the built server (`dist/src/cli.js`): compile src/ into dist/
 * before any test runs, and again before each watch-mode rerun, so a test never runs code older than the source it
 * was started on. The build is incremental (tsconfig.json keeps `dist/.tsbuildinfo`), so an unchanged tree costs a
 * few seconds. Runs tsc on the Node that runs vitest, so a CI pass on another Node version builds with that one.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function build(): void {
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const out = err && typeof err === 'object' && 'stdout' in err ? String(err.stdout) : String(err);
    throw new Error(`building dist/ failed, so the tests that spawn the server would run stale code:\n${out}`);
  }
}

export default function setup(project: TestProject): void {
  build();
  project.onTestsRerun(() => build());
}
