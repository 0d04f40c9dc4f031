// deserialization.json: the variable-length vector header (RFC 9420 §2.1.2),
// decoded and re-encoded byte for byte.
import { Decoder } from '../../main/mls/codec/decoder.js';
import { Encoder } from '../../main/mls/codec/encoder.js';
import { expectBytes, expectEqual, hex, num } from './check.js';

export function runCase(c: unknown): void {
  const header = hex(c, 'vlbytes_header');
  const length = num(c, 'length');
  const d = new Decoder(header, 'vlbytes_header');
  expectEqual('decoded length', d.varint('length'), length);
  d.end();
  expectBytes('encoded header', new Encoder().varint(length).finish(), header);
}
