// ts-mls and core-crypto are test peers only: pinned exactly as
// devDependencies, and never imported by the application (main/) or the
// delivery service (server/). core-crypto is GPL-3.0: it must never ship.
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

for (const [name, version] of [
  ['ts-mls', '1.6.4'],
  ['@wireapp/core-crypto', '10.3.0'],
] as const) {
  test(`${name} is a pinned devDependency (electron-builder ships production dependencies only) and nothing in the app or server imports it`, () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    assert.equal(pkg.devDependencies?.[name], version);
    assert.equal(pkg.dependencies?.[name], undefined);
    const quoted = name.replace(/[/.]/g, (c) => `\\${c}`);
    const importOf = new RegExp(`(from\\s+|import\\s*\\(\\s*|require\\s*\\(\\s*)['"]${quoted}(\\/[^'"]*)?['"]`);
    const offenders = ['main', 'server', 'preload', 'renderer'].flatMap((d) => sources(d)).filter((f) => importOf.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });
}

