import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../main/mls/codec/decoder.js';
import { ExtensionType, type Extension } from '../../../main/mls/extensions/extension.js';
import {
  applicationIdExtension,
  decodeApplicationId,
  encodeApplicationId,
  readApplicationId,
} from '../../../main/mls/messages/application-id.js';
import { decodeExternalPub, encodeExternalPub, readExternalPub } from '../../../main/mls/messages/external-pub.js';
import {
  decodeExternalSenders,
  encodeExternalSenders,
  externalSendersExtension,
  readExternalSenders,
  type ExternalSender,
} from '../../../main/mls/messages/external-senders.js';
import {
  decodeRequiredCapabilities,
  encodeRequiredCapabilities,
  readRequiredCapabilities,
  requiredCapabilitiesExtension,
} from '../../../main/mls/messages/required-capabilities.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { fromHex, utf8 } from '../../../main/mls/util/bytes.js';
import { assertDecodeError, assertStrict, roundTrip } from './helpers.js';

void test('application_id: opaque bytes, read from an extension list', () => {
  const bytes = roundTrip({ applicationId: utf8('device-1') }, encodeApplicationId, decodeApplicationId, 'ApplicationId');
  assert.deepEqual(bytes, fromHex('08' + '6465766963652d31'));
  assertStrict(bytes, decodeApplicationId, 'ApplicationId');
  const list: Extension[] = [{ extensionType: 0x7777, extensionData: fromHex('') }, applicationIdExtension({ applicationId: utf8('x') })];
  assert.deepEqual(readApplicationId(list), { applicationId: utf8('x') });
  assert.equal(readApplicationId([]), undefined);
});

void test('required_capabilities round-trips and names bad fields', () => {
  const rc = { extensionTypes: [0xff00, 10], proposalTypes: [0xff01], credentialTypes: [1, 2] };
  const bytes = roundTrip(rc, encodeRequiredCapabilities, decodeRequiredCapabilities, 'RequiredCapabilities');
  assert.deepEqual(bytes, fromHex('04ff00000a' + '02ff01' + '0400010002'));
  assertStrict(bytes, decodeRequiredCapabilities, 'RequiredCapabilities');
  assert.deepEqual(readRequiredCapabilities([requiredCapabilitiesExtension(rc)]), rc);
  // An odd-length u16 vector: the last item runs past the vector's end.
  assertDecodeError(
    () => decode(decodeRequiredCapabilities, fromHex('03ff0001' + '00' + '00'), 'RequiredCapabilities'),
    'RequiredCapabilities.extension_types.[1].extension_type',
    'length 2 exceeds remaining 1',
  );
  // Malformed data inside the extension list is reported under the extension's name.
  const broken: Extension = { extensionType: ExtensionType.required_capabilities, extensionData: fromHex('0000') };
  assertDecodeError(() => readRequiredCapabilities([broken]), 'RequiredCapabilities.credential_types', 'varint: no bytes remaining');
});

void test('external_pub round-trips', () => {
  const bytes = roundTrip({ externalPub: new Uint8Array(65).fill(4) }, encodeExternalPub, decodeExternalPub, 'ExternalPub');
  assertStrict(bytes, decodeExternalPub, 'ExternalPub');
  const trailing: Extension = { extensionType: ExtensionType.external_pub, extensionData: fromHex('01aa00') };
  assertDecodeError(() => readExternalPub([trailing]), 'ExternalPub', '1 trailing bytes');
});

void test('external_senders round-trips with credentials and names bad fields', () => {
  const senders: ExternalSender[] = [
    { signatureKey: new Uint8Array(32).fill(1), credential: basicCredential(utf8('ds')) },
    { signatureKey: new Uint8Array(32).fill(2), credential: { credentialType: 2, certificates: [{ certData: fromHex('3000') }] } },
  ];
  const bytes = roundTrip(senders, encodeExternalSenders, decodeExternalSenders, 'ExternalSenders');
  assertStrict(bytes, decodeExternalSenders, 'ExternalSenders');
  assert.deepEqual(readExternalSenders([externalSendersExtension(senders)]), senders);
  assertDecodeError(
    () => decode(decodeExternalSenders, fromHex('05' + '01aa' + '0000' + '00'), 'ExternalSenders'),
    'ExternalSenders.external_senders.[0].credential.credential_type',
    'credential type 0 is reserved',
  );
  assertDecodeError(() => decode(decodeExternalSenders, fromHex('4000'), 'ExternalSenders'), 'ExternalSenders.external_senders', 'not minimally encoded');
});
