// ts-mls is a test peer only: pinned exactly as a devDependency, and never
// imported by the application (main/) or the delivery service (server/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|js|mjs|cjs)$/.test(name)) out.push(p);
  }
  return out;
}

test('ts-mls is a pinned devDependency and nothing in main/ or server/ imports it', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  assert.equal(pkg.devDependencies?.['ts-mls'], '1.6.4');
  assert.equal(pkg.dependencies?.['ts-mls'], undefined);
  const offenders = ['main', 'server']
    .flatMap((d) => sources(d))
    .filter((f) => /(from\s+|import\s*\(\s*|require\s*\(\s*)['"]ts-mls(\/[^'"]*)?['"]/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});
