// passive-client-*.json (mlswg/mls-implementations "Passive Client Scenarios"):
// join from the Welcome (tree from `ratchet_tree` when given, else from the
// GroupInfo extension) with the external PSKs, check the initial epoch
// authenticator, then for each epoch process its proposals and its commit and
// check the epoch authenticator. Runs any file of this format.

import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { processMessage } from '../../main/mls/group/process-message.js';
import { joinFromWelcome } from '../../main/mls/group/welcome-join.js';
import { decode } from '../../main/mls/codec/decoder.js';
import { DecodeError } from '../../main/mls/errors.js';
import { decodeKeyPackage, keyPackageRef, type KeyPackage } from '../../main/mls/messages/key-package.js';
import { PSKType } from '../../main/mls/schedule/psk.js';
import { ratchetTreeFromBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { equalBytes, fromHex } from '../../main/mls/util/bytes.js';
import { expectBytes, expectTrue, hex, num } from './check.js';
import { SkipCase } from './types.js';

/** Fixed private key widths of the ECDSA suites (the EdDSA ones are never padded). */
const SIGNATURE_SCALAR_SIZE: Record<number, number | undefined> = { 2: 32, 5: 66, 7: 48 };

function leftPad(b: Uint8Array, size: number | undefined): Uint8Array {
  if (size === undefined || b.length >= size) return b;
  const out = new Uint8Array(size);
  out.set(b, size - b.length);
  return out;
}

/** The format text says "serialized KeyPackage"; the published files frame it as MLSMessage. Accept both. */
function keyPackageOf(bytes: Uint8Array): KeyPackage {
  try {
    const m = parseMLSMessage(bytes);
    if (m.wireFormat === WireFormat.mlsKeyPackage) return m.keyPackage;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
  return decode(decodeKeyPackage, bytes, 'KeyPackage');
}

interface Epoch {
  proposals: string[];
  commit: string;
  epoch_authenticator: string;
}

export function runCase(c: unknown, provider: CryptoProvider): void {
  const cs = num(c, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new SkipCase(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);
  const tc = c as { external_psks: { psk_id: string; psk: string }[]; ratchet_tree: string | null; epochs: Epoch[] };
  const kp = keyPackageOf(hex(c, 'key_package'));
  // Some generators strip leading zero bytes of NIST scalars (a 65-byte P-521 key): restore the fixed width.
  const signaturePrivateKey = leftPad(hex(c, 'signature_priv'), SIGNATURE_SCALAR_SIZE[cs]);
  const encryptionPrivateKey = leftPad(hex(c, 'encryption_priv'), suite.hpke.privateKeySize);
  const initPrivateKey = leftPad(hex(c, 'init_priv'), suite.hpke.privateKeySize);
  expectTrue('signature_priv matches signature_key', equalBytes(suite.signature.publicKeyFromPrivate(signaturePrivateKey), kp.leafNode.signatureKey));
  expectTrue('encryption_priv matches encryption_key', equalBytes(suite.hpke.publicKeyFromPrivate(encryptionPrivateKey), kp.leafNode.encryptionKey));
  expectTrue('init_priv matches init_key', equalBytes(suite.hpke.publicKeyFromPrivate(initPrivateKey), kp.initKey));

  const psks = tc.external_psks.map((p) => ({ id: fromHex(p.psk_id), psk: fromHex(p.psk) }));
  const lookup = (id: Parameters<NonNullable<Parameters<typeof joinFromWelcome>[0]['psks']>>[0]): Uint8Array | undefined =>
    id.psktype === PSKType.external ? psks.find((p) => equalBytes(p.id, id.pskId))?.psk : undefined;

  const { state: joined } = joinFromWelcome({
    welcome: hex(c, 'welcome'),
    keyPackage: { keyPackage: kp, ref: keyPackageRef(suite, kp), initPrivateKey, encryptionPrivateKey },
    signaturePrivateKey,
    ...(tc.ratchet_tree !== null ? { ratchetTree: ratchetTreeFromBytes(fromHex(tc.ratchet_tree)) } : {}),
    psks: lookup,
    provider,
  });
  let state = joined;
  expectBytes('initial_epoch_authenticator', state.keys.epochAuthenticator, hex(c, 'initial_epoch_authenticator'));
  tc.epochs.forEach((ep, i) => {
    for (const [j, p] of ep.proposals.entries()) {
      try {
        state = processMessage(state, fromHex(p), { psks: lookup, provider }).state;
      } catch (e) {
        throw new Error(`epoch ${i}: proposal ${j}: ${(e as Error).message}`, { cause: e });
      }
    }
    let r;
    try {
      r = processMessage(state, fromHex(ep.commit), { psks: lookup, provider });
    } catch (e) {
      throw new Error(`epoch ${i}: commit: ${(e as Error).message}`, { cause: e });
    }
    if (r.result.kind !== 'commit') throw new Error(`epoch ${i}: commit processed as ${r.result.kind}`);
    state = r.state;
    expectBytes(`epoch ${i}: epoch_authenticator`, state.keys.epochAuthenticator, fromHex(ep.epoch_authenticator));
  });
}
