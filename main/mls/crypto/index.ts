// Entry point: the process-wide crypto provider. ARBOR_CRYPTO=noble|node picks
// one (default node); each is built once and reused.

import { ArgumentError } from '../errors.js';
import { createNobleProvider } from './noble/index.js';
import { createNodeProvider } from './node/index.js';
import type { CryptoProvider } from './provider.js';

export type { CryptoProvider, CipherSuite, CipherSuiteId } from './provider.js';

let noble: CryptoProvider | undefined;
let node: CryptoProvider | undefined;

export function getNobleProvider(): CryptoProvider {
  return (noble ??= createNobleProvider());
}

export function getNodeProvider(): CryptoProvider {
  return (node ??= createNodeProvider());
}

export function getProvider(): CryptoProvider {
  const choice = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.ARBOR_CRYPTO ?? 'node';
  if (choice === 'noble') return getNobleProvider();
  if (choice === 'node' || choice === '') return getNodeProvider();
  throw new ArgumentError(`ARBOR_CRYPTO must be 'node' or 'noble', not '${choice}'`);
}
