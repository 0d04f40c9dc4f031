// `npm run rebuild:electron`: builds the native SQLite module against Electron's
// headers, for `npm start` on a machine that has Electron. It works on a copy
// in out/node_modules, which Electron's bundles (out/main/*.js) resolve before
// the project's node_modules, so the Node build that `npm test`, the web host
// and the server use is never replaced. Run explicitly, never at install time
// (it downloads Electron's headers).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OUT, ROOT } from './build.js';

export const NATIVE_MODULES = ['better-sqlite3-multiple-ciphers'] as const;

function version(pkgDir: string): string {
  return (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Stages the native modules under out/node_modules with an out/package.json that lists them. */
export function stageNativeModules(out = DEFAULT_OUT): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const name of NATIVE_MODULES) {
    const src = join(ROOT, 'node_modules', name);
    const dst = join(out, 'node_modules', name);
    rmSync(dst, { recursive: true, force: true });
    mkdirSync(dst, { recursive: true });
    cpSync(src, dst, { recursive: true, filter: (p) => !p.startsWith(join(src, 'build')) });
    deps[name] = version(src);
  }
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: 'arbor-out', private: true, type: 'module', dependencies: deps }, null, 2)}\n`);
  return deps;
}

function main(): number {
  const electronDir = join(ROOT, 'node_modules', 'electron');
  if (!existsSync(electronDir)) {
    console.error('electron is not installed (npm ci first)');
    return 1;
  }
  const electronVersion = version(electronDir);
  stageNativeModules();
  const bin = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-rebuild.cmd' : 'electron-rebuild');
  const r = spawnSync(bin, ['--module-dir', DEFAULT_OUT, '--only', NATIVE_MODULES.join(','), '--force', '--version', electronVersion], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`electron-rebuild failed (${r.status ?? r.signal}); Electron's headers must be downloadable from this machine`);
    return r.status ?? 1;
  }
  console.log(`rebuilt ${NATIVE_MODULES.join(', ')} for Electron ${electronVersion} in out/node_modules`);
  return 0;
}

process.exitCode = main();
