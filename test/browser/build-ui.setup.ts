import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/** Vitest global setup of the browser project: bundle the view (dist/ui/storyboard.html) so no test loads a stale one. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function build(): void {
  try {
    execFileSync(process.execPath, [path.join(root, 'scripts/build-ui.mjs')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const out = err && typeof err === 'object' && 'stderr' in err ? String(err.stderr) : String(err);
    throw new Error(`building dist/ui failed, so the browser tests would load a stale view:\n${out}`);
  }
}

export default function setup(project: TestProject): void {
  build();
  project.onTestsRerun(() => build());
}
