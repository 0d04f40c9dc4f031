// `npm start` where Electron's binary is missing: one line that says so and
// points to `npm run web`, exit status 1, and nothing downloaded or built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('npm start without Electron\'s binary says so in one line and points to npm run web', () => {
  const empty = mkdtempSync(join(tmpdir(), 'arbor-no-electron-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/app/launch.ts'], {
      cwd: ROOT,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /Electron's binary is not installed/);
    assert.match(lines[0]!, /npm run web/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
