// Builds the desktop app's bundles into out/ (or another directory):
//   renderer/  the Svelte UI (Vite)
//   preload/preload.cjs  ONE CommonJS file requiring only 'electron'
//   main/index.js, main/worker.js  Electron main and the core's worker (ESM; npm packages stay external)
//   host/web-bridge.js  the web host's window.arbor over WebSocket (IIFE)
// `node --import tsx main/app/build.ts [renderer|preload|main|bridge ...] [--out DIR]`

import { build as esbuild } from 'esbuild';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_OUT = join(ROOT, 'out');

/** Electron 45 ships Chromium 142 and Node 22. */
const CHROME_TARGET = 'chrome130';
const NODE_TARGET = 'node22';

export type Target = 'renderer' | 'preload' | 'main' | 'bridge';
export const TARGETS: readonly Target[] = ['renderer', 'preload', 'main', 'bridge'];

export async function buildRenderer(outDir: string): Promise<void> {
  const { build } = await import('vite');
  const { svelte } = await import('@sveltejs/vite-plugin-svelte');
  await build({
    root: join(ROOT, 'renderer'),
    base: '/',
    configFile: false,
    logLevel: 'warn',
    plugins: [svelte()],
    build: {
      outDir,
      emptyOutDir: true,
      target: CHROME_TARGET,
      // Everything as files under 'self': the CSP allows no data: URIs and no inline code.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      sourcemap: false,
      reportCompressedSize: false,
      // The plugin-timing report is noise in test and bench output.
      rolldownOptions: { checks: { bundlerTimings: false } },
    },
  });
}

export async function buildPreload(outFile: string): Promise<void> {
  await esbuild({
    entryPoints: [join(ROOT, 'preload/index.ts')],
    outfile: outFile,
    bundle: true,
    format: 'cjs',
    // A sandboxed preload has no Node: building for the browser makes any node: import fail here, not at run time.
    platform: 'browser',
    target: CHROME_TARGET,
    external: ['electron'],
    logLevel: 'warning',
    legalComments: 'none',
  });
}

export async function buildMain(outDir: string): Promise<void> {
  await esbuild({
    entryPoints: { index: join(ROOT, 'main/index.ts'), worker: join(ROOT, 'main/core/worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: NODE_TARGET,
    // npm packages (native SQLite among them) are shipped in node_modules by electron-builder.
    packages: 'external',
    external: ['electron'],
    banner: { js: "import { createRequire as __arborCreateRequire } from 'node:module'; const require = __arborCreateRequire(import.meta.url);" },
    logLevel: 'warning',
    legalComments: 'none',
  });
}

export async function buildBridge(outFile: string): Promise<void> {
  await esbuild({
    entryPoints: [join(ROOT, 'main/host/browser/web-bridge.ts')],
    outfile: outFile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: CHROME_TARGET,
    logLevel: 'warning',
    legalComments: 'none',
  });
}

export async function buildApp(outDir = DEFAULT_OUT, targets: readonly Target[] = TARGETS): Promise<void> {
  for (const t of targets) {
    if (t === 'renderer') await buildRenderer(join(outDir, 'renderer'));
    else if (t === 'preload') await buildPreload(join(outDir, 'preload', 'preload.cjs'));
    else if (t === 'main') {
      rmSync(join(outDir, 'main'), { recursive: true, force: true });
      await buildMain(join(outDir, 'main'));
    } else await buildBridge(join(outDir, 'host', 'web-bridge.js'));
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const o = args.indexOf('--out');
  const out = o === -1 ? DEFAULT_OUT : resolve(args[o + 1] ?? '');
  const asked = args.filter((a, i) => !a.startsWith('--') && (o === -1 || i !== o + 1));
  const bad = asked.filter((a) => !(TARGETS as readonly string[]).includes(a));
  if (bad.length > 0) {
    console.error(`unknown build target(s): ${bad.join(', ')}; known: ${TARGETS.join(', ')}`);
    process.exit(2);
  }
  const t0 = Date.now();
  await buildApp(out, asked.length > 0 ? (asked as Target[]) : TARGETS);
  console.log(`built ${asked.length > 0 ? asked.join(', ') : TARGETS.join(', ')} into ${out} in ${Date.now() - t0} ms`);
}
