// psk_secret.json: RFC 9420 §8.4 psk_secret from a list of external PSKs.
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { computePskSecret, PSKType, type PskInput } from '../../main/mls/schedule/psk.js';
import { SkipCase } from './types.js';
import { expectBytes, expectTrue, hex, num } from './check.js';

export function runCase(c: unknown, provider: CryptoProvider): void {
  const cs = num(c, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new SkipCase(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);
  const list = (c as { psks: unknown[] }).psks;
  expectTrue('psks is an array', Array.isArray(list));
  const psks: PskInput[] = list.map((p) => ({
    id: { psktype: PSKType.external, pskId: hex(p, 'psk_id'), pskNonce: hex(p, 'psk_nonce') },
    psk: hex(p, 'psk'),
  }));
  expectBytes(`psk_secret of ${psks.length} PSKs`, computePskSecret(suite, psks), hex(c, 'psk_secret'));
}
