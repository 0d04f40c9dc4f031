// `npm run dist [-- electron-builder options]`: builds out/, rebuilds the native
// module for Electron into out/node_modules (`npm run rebuild:electron`), then
// packages with electron-builder.yml for this platform (AppImage + deb, dmg, or
// nsis). Needs Electron's headers and binary to be downloadable.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildApp, DEFAULT_OUT, ROOT } from './build.js';

function run(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, shell: process.platform === 'win32' });
  return r.status ?? 1;
}

async function main(): Promise<number> {
  await buildApp(DEFAULT_OUT);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  let status = run(npm, ['run', 'rebuild:electron']);
  if (status !== 0) return status;
  const builder = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder');
  status = run(builder, ['--config', 'electron-builder.yml', ...process.argv.slice(2)]);
  return status;
}

process.exitCode = await main();
