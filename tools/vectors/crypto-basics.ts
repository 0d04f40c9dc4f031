// crypto-basics.json: RFC 9420 §5.1-§5.2 and §8 labeled operations per suite.
// Given outputs are recomputed; given signatures and ciphertexts are checked,
// and a fresh signature and ciphertext are made and checked as well.

import { CryptoError } from '../../main/mls/errors.js';
import {
  decryptWithLabel,
  deriveSecret,
  deriveTreeSecret,
  encryptWithLabel,
  expandWithLabel,
  refHash,
  signWithLabel,
  verifyWithLabel,
} from '../../main/mls/crypto/labeled.js';
import { isCipherSuiteId, type CryptoProvider } from '../../main/mls/crypto/provider.js';
import { expectBytes, expectTrue, hex, num } from './check.js';
import { SkipCase } from './types.js';

function str(obj: unknown, field: string): string {
  const v = (obj as Record<string, unknown>)[field];
  if (typeof v !== 'string') throw new Error(`field ${field} is not a string`);
  return v;
}

function sub(obj: unknown, field: string): unknown {
  const v = (obj as Record<string, unknown>)[field];
  if (typeof v !== 'object' || v === null) throw new Error(`field ${field} is missing`);
  return v;
}

export function runCase(raw: unknown, provider: CryptoProvider): void {
  const id = num(raw, 'cipher_suite');
  if (!isCipherSuiteId(id)) throw new SkipCase(`cipher suite ${id} not supported`);
  const suite = provider.getSuite(id);

  const rh = sub(raw, 'ref_hash');
  expectBytes('ref_hash.out', refHash(suite, str(rh, 'label'), hex(rh, 'value')), hex(rh, 'out'));

  const ewl = sub(raw, 'expand_with_label');
  expectBytes(
    'expand_with_label.out',
    expandWithLabel(suite, hex(ewl, 'secret'), str(ewl, 'label'), hex(ewl, 'context'), num(ewl, 'length')),
    hex(ewl, 'out'),
  );

  const ds = sub(raw, 'derive_secret');
  expectBytes('derive_secret.out', deriveSecret(suite, hex(ds, 'secret'), str(ds, 'label')), hex(ds, 'out'));

  const dts = sub(raw, 'derive_tree_secret');
  expectBytes(
    'derive_tree_secret.out',
    deriveTreeSecret(suite, hex(dts, 'secret'), str(dts, 'label'), num(dts, 'generation'), num(dts, 'length')),
    hex(dts, 'out'),
  );

  const swl = sub(raw, 'sign_with_label');
  const priv = hex(swl, 'priv');
  const pub = hex(swl, 'pub');
  const label = str(swl, 'label');
  const content = hex(swl, 'content');
  expectBytes('sign_with_label.pub from priv', suite.signature.publicKeyFromPrivate(priv), pub);
  expectTrue('sign_with_label: given signature verifies', verifyWithLabel(suite, pub, label, content, hex(swl, 'signature')));
  const mine = signWithLabel(suite, priv, label, content);
  expectTrue('sign_with_label: own signature verifies', verifyWithLabel(suite, pub, label, content, mine));
  expectTrue('sign_with_label: own signature fails under another label', !verifyWithLabel(suite, pub, label + 'x', content, mine));

  const ewl2 = sub(raw, 'encrypt_with_label');
  const epriv = hex(ewl2, 'priv');
  const epub = hex(ewl2, 'pub');
  const elabel = str(ewl2, 'label');
  const ctx = hex(ewl2, 'context');
  const pt = hex(ewl2, 'plaintext');
  expectBytes('encrypt_with_label.pub from priv', suite.hpke.publicKeyFromPrivate(epriv), epub);
  expectBytes(
    'encrypt_with_label: given ciphertext decrypts',
    decryptWithLabel(suite, epriv, elabel, ctx, hex(ewl2, 'kem_output'), hex(ewl2, 'ciphertext')),
    pt,
  );
  const ct = encryptWithLabel(suite, epub, elabel, ctx, pt);
  expectBytes('encrypt_with_label: own ciphertext decrypts', decryptWithLabel(suite, epriv, elabel, ctx, ct.kemOutput, ct.ciphertext), pt);
  let rejected = false;
  try {
    decryptWithLabel(suite, epriv, elabel + 'x', ctx, ct.kemOutput, ct.ciphertext);
  } catch (e) {
    rejected = e instanceof CryptoError;
  }
  expectTrue('encrypt_with_label: own ciphertext rejected under another label', rejected);
}
