// secret-tree.json: RFC 9420 §9 handshake/application keys and nonces per leaf
// and generation, and the §6.3.2 sender-data key and nonce.
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { leafIndex } from '../../main/mls/tree/math.js';
import { createSecretTree, nextSenderKey, receiverKey, type SecretTreeState } from '../../main/mls/schedule/secret-tree.js';
import { senderDataKeyNonce } from '../../main/mls/schedule/sender-data.js';
import { SkipCase } from './types.js';
import { expectBytes, expectTrue, hex, num } from './check.js';

export function runCase(c: unknown, provider: CryptoProvider): void {
  const cs = num(c, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new SkipCase(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);

  const sd = (c as { sender_data: unknown }).sender_data;
  const sdk = senderDataKeyNonce(suite, hex(sd, 'sender_data_secret'), hex(sd, 'ciphertext'));
  expectBytes('sender_data.key', sdk.key, hex(sd, 'key'));
  expectBytes('sender_data.nonce', sdk.nonce, hex(sd, 'nonce'));

  const leaves = (c as { leaves: unknown[][] }).leaves;
  expectTrue('leaves is a non-empty array', Array.isArray(leaves) && leaves.length > 0);
  // Walk every leaf's ratchets through one shared, evolving state, as a receiver would.
  const fresh = createSecretTree(suite, hex(c, 'encryption_secret'), leaves.length);
  let state: SecretTreeState = fresh;
  leaves.forEach((gens, l) => {
    for (const g of gens) {
      const generation = num(g, 'generation');
      const at = `leaf ${l} generation ${generation}`;
      for (const type of ['handshake', 'application'] as const) {
        const r = receiverKey(suite, state, leafIndex(l), type, generation);
        expectBytes(`${at} ${type}_key`, r.key.key, hex(g, `${type}_key`));
        expectBytes(`${at} ${type}_nonce`, r.key.nonce, hex(g, `${type}_nonce`));
        expectTrue(`${at} ${type} generation`, r.key.generation === generation);
        state = r.state;
        // The sender's own ratchet yields the same key at generation 0.
        if (generation === 0) expectBytes(`${at} ${type}_key (sender)`, nextSenderKey(suite, fresh, leafIndex(l), type).key.key, r.key.key);
      }
    }
  });
}
