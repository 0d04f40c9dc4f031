// The signed byte strings and the device key: main/net's encoder equals the
// server's byte for byte, and its signatures verify the way the server checks them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { getNobleProvider, getNodeProvider } from '../../main/mls/crypto/index.js';
import { generateSignatureKeyPair } from '../../main/mls/index.js';
import { DeviceKey, generateDeviceKeyPair } from '../../main/net/device-key.js';
import { DsArgumentError } from '../../main/net/errors.js';
import { toBeSigned, type SignLabel } from '../../main/net/tbs.js';
import { toBeSigned as serverToBeSigned, verifyEd25519 } from '../../server/auth.js';

describe('toBeSigned', () => {
  it('gives the example of docs/protocol.md §3.1', () => {
    const challenge = Uint8Array.from({ length: 32 }, (_, i) => i);
    const hex = Buffer.from(toBeSigned('login', [challenge, 'alice', 'laptop'])).toString('hex');
    const expected =
      '6172626f722d64732f31206c6f67696e00' + '00000020' + Buffer.from(challenge).toString('hex') + '00000005' + '616c696365' + '00000006' + '6c6170746f70';
    assert.equal(hex, expected);
    assert.equal(hex.length / 2, 72);
  });

  it('equals server/auth.ts toBeSigned for every label and many field shapes', () => {
    const labels: SignLabel[] = ['login', 'register', 'add-device'];
    const shapes: (Uint8Array | string)[][] = [
      [],
      [''],
      [new Uint8Array(0)],
      [randomBytes(32), 'alice', 'laptop'],
      [randomBytes(32), 'u.s_e@r-1', 'd', randomBytes(32)],
      ['bob', 'phone', randomBytes(32)],
      ['ünïcödé', '日本', new Uint8Array(300)],
      [randomBytes(70_000)],
    ];
    for (const label of labels) {
      for (const fields of shapes) {
        assert.deepEqual(toBeSigned(label, fields), new Uint8Array(serverToBeSigned(label, fields)), `${label} ${fields.length} fields`);
      }
    }
  });
});

describe('DeviceKey', () => {
  it('signs login, register and add-device so that the server verifies them', () => {
    const pair = generateDeviceKeyPair();
    const key = DeviceKey.fromKeyPair(pair);
    assert.deepEqual(key.publicKey, pair.publicKey);
    const ch = new Uint8Array(randomBytes(32));
    assert.ok(verifyEd25519(pair.publicKey, serverToBeSigned('login', [ch, 'alice', 'laptop']), key.signLogin(ch, 'alice', 'laptop')));
    assert.ok(verifyEd25519(pair.publicKey, serverToBeSigned('register', [ch, 'alice', 'laptop', pair.publicKey]), key.signRegister(ch, 'alice', 'laptop')));
    const other = generateDeviceKeyPair().publicKey;
    assert.ok(verifyEd25519(pair.publicKey, serverToBeSigned('add-device', ['alice', 'phone', other]), key.signAddDevice('alice', 'phone', other)));
    // Not interchangeable: a login signature is no registration.
    assert.ok(!verifyEd25519(pair.publicKey, serverToBeSigned('register', [ch, 'alice', 'laptop', pair.publicKey]), key.signLogin(ch, 'alice', 'laptop')));
  });

  it('accepts the MLS engine Ed25519 key pair format (both providers)', () => {
    for (const [crypto, provider] of [['node', getNodeProvider()], ['noble', getNobleProvider()]] as const) {
      const pair = generateSignatureKeyPair(0x0001, { provider });
      const key = DeviceKey.fromKeyPair(pair);
      const ch = new Uint8Array(32).fill(7);
      assert.ok(verifyEd25519(pair.publicKey, serverToBeSigned('login', [ch, 'u', 'd']), key.signLogin(ch, 'u', 'd')), crypto);
    }
  });

  it('refuses wrong sizes, a mismatched public key, and bad arguments', () => {
    const pair = generateDeviceKeyPair();
    assert.throws(() => DeviceKey.fromRaw(pair.privateKey.subarray(1), pair.publicKey), DsArgumentError);
    assert.throws(() => DeviceKey.fromRaw(pair.privateKey, new Uint8Array(33)), DsArgumentError);
    assert.throws(() => DeviceKey.fromRaw(pair.privateKey, generateDeviceKeyPair().publicKey), /does not belong/);
    assert.throws(() => DeviceKey.fromRaw('x' as unknown as Uint8Array, pair.publicKey), DsArgumentError);
    const key = DeviceKey.fromKeyPair(pair);
    assert.throws(() => key.signLogin(new Uint8Array(31), 'a', 'b'), /challenge/);
    assert.throws(() => key.signLogin(new Uint8Array(32), 'bad id!', 'b'), /userId/);
    assert.throws(() => key.signAddDevice('a', 'b', new Uint8Array(5)), /newPublicKey/);
  });

  it('hands out copies of the public key', () => {
    const key = DeviceKey.fromKeyPair(generateDeviceKeyPair());
    const pk = key.publicKey;
    pk.fill(0);
    assert.notDeepEqual(key.publicKey, pk);
  });
});
