// The native provider on node:crypto. Each primitive is tried once when first
// needed (a known answer against noble plus a round trip); a runtime that lacks
// it (Electron's BoringSSL has no Ed448/X448, for one) gets the noble primitive
// for that one only, so suites stay complete and results stay identical.

import { equalBytes, utf8 } from '../../util/bytes.js';
import { noblePrimitives } from '../noble/index.js';
import type { DhGroup, Primitives } from '../primitives.js';
import type { Aead, AeadName, CryptoProvider, Hash, HashName, KemName, Signature, SignatureName } from '../provider.js';
import { makeProvider } from '../suite.js';
import { nodeAead } from './aead.js';
import { nodeDh } from './dh.js';
import { nodeHash } from './hash.js';
import { nodeSignature } from './signature.js';
import { randomBytes } from './random.js';

export interface NodeProviderOptions {
  /** Primitive names to treat as missing (tests use this to exercise the fallback). */
  disable?: readonly string[];
}

/** Which primitives fell back to noble, by name, for diagnostics. */
export interface NodeProvider extends CryptoProvider {
  readonly fallbacks: ReadonlySet<string>;
}

const MSG = utf8('arbor self-test');

function checkHash(n: Hash, ref: Hash): boolean {
  return equalBytes(n.digest(MSG), ref.digest(MSG)) && equalBytes(n.mac(MSG, MSG), ref.mac(MSG, MSG));
}

function checkAead(n: Aead, ref: Aead): boolean {
  const key = new Uint8Array(n.keySize).fill(7);
  const nonce = new Uint8Array(n.nonceSize).fill(9);
  const ct = n.seal(key, nonce, MSG, MSG);
  return equalBytes(ct, ref.seal(key, nonce, MSG, MSG)) && equalBytes(n.open(key, nonce, MSG, ct), MSG);
}

function checkSignature(n: Signature, ref: Signature): boolean {
  const kp = n.generateKeyPair();
  if (!equalBytes(ref.publicKeyFromPrivate(kp.privateKey), kp.publicKey)) return false;
  const sig = n.sign(kp.privateKey, MSG);
  return n.verify(kp.publicKey, MSG, sig) && ref.verify(kp.publicKey, MSG, sig) && !n.verify(kp.publicKey, utf8('other'), sig);
}

function checkDh(n: DhGroup, ref: DhGroup): boolean {
  const kp = n.generateKeyPair();
  if (!equalBytes(ref.publicKeyFromPrivate(kp.privateKey), kp.publicKey)) return false;
  const { enc, dh } = n.ephemeral(kp.publicKey);
  return equalBytes(n.dh(kp.privateKey, enc), dh);
}

function pick<N extends string, T>(
  name: N,
  native: (n: N) => T,
  ref: (n: N) => T,
  check: (n: T, r: T) => boolean,
  opts: NodeProviderOptions,
  fallbacks: Set<string>,
): T {
  const r = ref(name);
  if (!(opts.disable ?? []).includes(name)) {
    try {
      const n = native(name);
      if (check(n, r)) return n;
    } catch {
      // The runtime lacks this algorithm (or rejects its key format): use noble.
    }
  }
  fallbacks.add(name);
  return r;
}

/** The node:crypto primitives (each with its noble fallback), for the provider and for benchmarks. */
export function createNodePrimitives(opts: NodeProviderOptions = {}): Primitives & { readonly fallbacks: ReadonlySet<string> } {
  const fallbacks = new Set<string>();
  const memo = new Map<string, unknown>();
  function once<T>(key: string, make: () => T): T {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as T;
  }
  const ref = noblePrimitives;
  return {
    hash: (n: HashName) => once(n, () => pick(n, nodeHash, ref.hash, checkHash, opts, fallbacks)),
    aead: (n: AeadName) => once(n, () => pick(n, nodeAead, ref.aead, checkAead, opts, fallbacks)),
    signature: (n: SignatureName) => once(n, () => pick(n, nodeSignature, ref.signature, checkSignature, opts, fallbacks)),
    dh: (n: KemName) => once(n, () => pick(n, nodeDh, ref.dh, checkDh, opts, fallbacks)),
    randomBytes,
    fallbacks,
  };
}

export function createNodeProvider(opts: NodeProviderOptions = {}): NodeProvider {
  const prims = createNodePrimitives(opts);
  return Object.assign(makeProvider('node', prims), { fallbacks: prims.fallbacks });
}
