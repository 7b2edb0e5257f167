import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/harness.js';

describe('stale scratch files', () => {
  it('are swept when old, kept when fresh', async () => {
    const home = tempDir();
    const store = openStore(home);
    const old = path.join(home, 'tmp', 'old.mp4');
    const oldDir = path.join(home, 'tmp', 'job_x-abc');
    const fresh = path.join(home, 'tmp', 'fresh.mp4');
    fs.writeFileSync(old, 'x');
    fs.mkdirSync(oldDir);
    fs.writeFileSync(fresh, 'y');
    const past = new Date(Date.now() - 3 * 24 * 3600_000);
    fs.utimesSync(old, past, past);
    fs.utimesSync(oldDir, past, past);
    expect(store.blobs.sweepTmp(24 * 3600_000)).toBe(2);
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(oldDir)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
    await store.close();
  });
});
