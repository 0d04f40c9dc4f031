// electron-builder.yml, read and validated the way electron-builder itself
// does (its getConfig and validateConfiguration, against its own scheme.json).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

interface BuilderConfig {
  readonly [k: string]: unknown;
}
const builder = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debugLogger: { isEnabled: boolean; add(k: string, v: unknown): void }): Promise<void>;
};
const quiet = { isEnabled: false, add() {} };
// electron-builder logs "loaded configuration" to stdout, which the test runner's protocol shares: keep it quiet.
(require('builder-util/out/log.js') as { log: { stream: { write(s: string): boolean } } }).log.stream = { write: () => true };

async function config(): Promise<BuilderConfig> {
  return builder.getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
}

test('electron-builder.yml matches electron-builder\'s own configuration schema', async () => {
  assert.ok(existsSync(join(ROOT, 'node_modules/app-builder-lib/scheme.json')));
  await builder.validateConfiguration(await config(), quiet);
  // The validator is live: an unknown option or a wrong type is refused.
  await assert.rejects(builder.validateConfiguration({ ...(await config()), fusesTypo: true }, quiet), /does not match the API schema/);
  await assert.rejects(builder.validateConfiguration({ ...(await config()), asar: 'yes' }, quiet), /does not match the API schema/);
});

test('identity, the built files only, native modules unpacked, no in-place rebuild', async () => {
  const c = (await config()) as Record<string, unknown> & { files: (string | { filter: string[] })[]; asarUnpack: string[]; extraMetadata: { main: string } };
  const files = c.files.flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
  assert.equal(c.appId, 'org.arbor.desktop');
  assert.equal(c.productName, 'Arbor');
  assert.equal(c.asar, true);
  assert.equal(c.extraMetadata.main, 'out/main/index.js');
  for (const f of files) assert.match(f, /^(?:!|out\/|package\.json$)/, `only built files: ${f}`);
  assert.ok(files.includes('out/renderer/**/*') && files.includes('out/preload/**/*') && files.includes('out/main/**/*'));
  assert.ok(c.asarUnpack.includes('**/*.node'));
  assert.equal(c.npmRebuild, false, 'the project node_modules stay built for Node; dist uses rebuild:electron');
});

test('targets: Linux AppImage + deb, macOS dmg with the hardened runtime, Windows nsis', async () => {
  const c = (await config()) as Record<string, { target?: string[]; hardenedRuntime?: boolean; entitlements?: string }>;
  assert.deepEqual(c.linux!.target, ['AppImage', 'deb']);
  assert.deepEqual(c.mac!.target, ['dmg']);
  assert.equal(c.mac!.hardenedRuntime, true);
  assert.ok(existsSync(join(ROOT, c.mac!.entitlements!)));
  assert.deepEqual(c.win!.target, ['nsis']);
});

test('Electron fuses: no run-as-node, no NODE_OPTIONS or inspect flags, app only from an integrity-checked asar', async () => {
  const f = ((await config()) as { electronFuses: Record<string, boolean> }).electronFuses;
  assert.deepEqual(f, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  });
});
