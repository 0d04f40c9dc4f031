// Helpers for the network layer's tests: real server processes (through
// test/server/client.ts), device keys and the Arbor MLS identity on them
// (test/server/mls-client.ts), waiting on a client's status, and a guard that
// fails a test file if anything escaped as an uncaught error.

import assert from 'node:assert/strict';
import * as mls from '../../main/mls/index.js';
import type { ClientIdentity, GroupState, KeyPackageBundle } from '../../main/mls/index.js';
import { DsClient, type DsClientOptions, type DsStatusInfo } from '../../main/net/client.js';
import { DeviceKey, generateDeviceKeyPair } from '../../main/net/device-key.js';
import { newDeviceKey, startServer, tempDir, type ServerProc } from '../server/client.js';
export { freePort } from '../server/client.js';
import { identityOf } from '../server/mls-client.js';

export { startServer, tempDir, type ServerProc };

export const QUIET = ['--quiet'];

export function newKey(): DeviceKey {
  return DeviceKey.fromKeyPair(generateDeviceKeyPair());
}


/**
 * A device's DS key and its Arbor MLS identity on that key (docs/protocol.md
 * §3.3: credential `<userId>/<deviceId>`, the DS Ed25519 key as signature key,
 * suite 0x0001), as the reference client builds it.
 */
export function arborKey(userId: string, deviceId: string): { key: DeviceKey; identity: ClientIdentity } {
  const k = newDeviceKey();
  return { key: DeviceKey.fromRaw(k.seed, k.publicKey), identity: identityOf(userId, deviceId, k) };
}

/** Registers a device and returns a started client for it, online, with its MLS identity. */
export async function onlineClient(
  url: string,
  userId: string,
  deviceId = 'd1',
  opts: Partial<Omit<DsClientOptions, 'key' | 'userId' | 'deviceId' | 'url'>> = {},
): Promise<{ client: DsClient; key: DeviceKey; identity: ClientIdentity }> {
  const { key, identity } = arborKey(userId, deviceId);
  await DsClient.register(url, userId, deviceId, key);
  const client = new DsClient({ url, userId, deviceId, key, requestTimeoutMs: 10_000, ...opts });
  client.start();
  await waitStatus(client, (s) => s.status === 'online');
  return { client, key, identity };
}

/** A new MLS group of `identity`, created on the server with its epoch-0 GroupInfo (ratchet_tree included); its state. */
export async function newGroup(client: DsClient, identity: ClientIdentity, groupId: Uint8Array, opts: { allowExternalJoin?: boolean } = {}): Promise<GroupState> {
  const state = mls.createGroup(identity, { groupId });
  await client.createGroup({ groupId, groupInfo: mls.groupInfo(state), ...opts });
  return state;
}

/** Joins from a Welcome with the one of `bundles` (KeyPackages with their secrets) it was made for. */
export function joinWelcome(welcome: Uint8Array, bundles: readonly KeyPackageBundle[], identity: ClientIdentity): GroupState {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const refs = new Set(mls.welcomeKeyPackageRefs(welcome).map(hex));
  const bundle = bundles.find((b) => refs.has(hex(b.ref)));
  if (bundle === undefined) throw new Error('the Welcome names none of these KeyPackages');
  return mls.joinFromWelcome(welcome, bundle, identity);
}

/** Resolves with the first status (current or coming) that matches; rejects after `timeoutMs`. */
export function waitStatus(client: DsClient, pred: (s: DsStatusInfo) => boolean, timeoutMs = 15_000): Promise<DsStatusInfo> {
  if (pred(client.statusInfo)) return Promise.resolve(client.statusInfo);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`status did not match in ${timeoutMs} ms; last: ${JSON.stringify({ ...client.statusInfo, lastError: client.statusInfo.lastError?.message })}`));
    }, timeoutMs);
    const off = client.on('status', (s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

/** Resolves once `pred` holds, polling; for counts of received events. */
export async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Records uncaught exceptions and unhandled rejections; `check()` asserts there were none. */
export function uncaughtGuard(): { check(): void } {
  const seen: unknown[] = [];
  process.on('uncaughtException', (e) => seen.push(e));
  process.on('unhandledRejection', (e) => seen.push(e));
  return {
    check() {
      assert.deepEqual(
        seen.map((e) => String((e as Error)?.stack ?? e)),
        [],
        'nothing escaped as an uncaught exception or unhandled rejection',
      );
    },
  };
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
