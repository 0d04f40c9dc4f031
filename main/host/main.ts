// `npm run web`: builds the renderer (and the bridge), starts a core on its own
// data directory and serves the UI on a loopback port. Prints the address to
// open, with its token. Ctrl+C closes the core cleanly.

import { resolve, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp, DEFAULT_OUT } from '../app/build.js';
import { startWebHost } from './web-host.js';

const USAGE = `usage: npm run web -- [--data-dir ./arbor-web-data] [--port 0] [--host 127.0.0.1] [--no-build] [--quiet]`;

async function main(): Promise<void> {
  let a;
  try {
    a = parseArgs({
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'no-build': { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (a.help === true) {
    console.log(USAGE);
    return;
  }
  const port = a.port === undefined ? 0 : Number(a.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port: expected 0-65535\n${USAGE}`);
    process.exit(2);
  }
  const out = DEFAULT_OUT;
  if (a['no-build'] !== true) {
    const t0 = Date.now();
    await buildApp(out, ['renderer', 'bridge']);
    console.log(`built the UI in ${Date.now() - t0} ms`);
  }
  const dataDir = resolve(a['data-dir'] ?? 'arbor-web-data');
  const host = await startWebHost({
    dataDir,
    rendererDir: join(out, 'renderer'),
    bridgeFile: join(out, 'host', 'web-bridge.js'),
    port,
    host: a.host ?? '127.0.0.1',
    quiet: a.quiet === true,
    log: (line) => console.error(`[web] ${line}`),
  });
  console.log(`Arbor (data in ${dataDir}) is at:\n\n  ${host.url}\n\nOpen it in a browser on this machine; Ctrl+C stops.`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`arbor web: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
