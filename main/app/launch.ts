// `npm start`: on a machine with Electron's binary, builds the app, rebuilds the
// native module for Electron (once per Electron version) and starts it. Where the
// binary is missing (it cannot always be downloaded), says so in one line and
// points to `npm run web`.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, DEFAULT_OUT, ROOT } from './build.js';

/**
 * The Electron executable, or null when it is not on this machine. Reads what
 * electron's own index.js reads, without its fallback (which downloads).
 */
function electronBinary(): string | null {
  const dir = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override !== undefined && override !== '') {
    const p = join(override, rel === '' ? 'electron' : rel);
    return existsSync(p) ? p : null;
  }
  if (rel === '') return null;
  const p = join(dir, 'dist', rel);
  return existsSync(p) ? p : null;
}

async function main(): Promise<number> {
  const electron = electronBinary();
  if (electron === null) {
    console.error("Electron's binary is not installed here (install it with `node node_modules/electron/install.js` where downloads work), so run `npm run web` to use Arbor in your browser.");
    return 1;
  }
  await buildApp(DEFAULT_OUT);
  const electronVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
  const stamp = join(DEFAULT_OUT, 'node_modules', '.electron-version');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== electronVersion) {
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'rebuild:electron'], { stdio: 'inherit', cwd: ROOT, shell: process.platform === 'win32' });
    if (r.status !== 0) return r.status ?? 1;
    writeFileSync(stamp, electronVersion);
  }
  const child = spawn(electron, [join(DEFAULT_OUT, 'main', 'index.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: ROOT });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 0 : 1))));
}

process.exitCode = await main();
