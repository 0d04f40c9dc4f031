// Robustness of every wire decoder (design principle: bad input never corrupts
// state, every decoder is strict, every failure is a typed MlsError). Seeds are
// the official vectors; each is mutated deterministically (seeded PRNG, fixed
// counts: bit flips, byte insert/delete, truncation at every position, length
// prefix inflation / non-minimal forms, integer and enum fields set to boundary
// values, random bytes). Every mutant must either decode to a value that
// re-encodes to the identical bytes, or throw an MlsError, within SLOW_MS.

import assert from 'node:assert/strict';
import test from 'node:test';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import * as C from './codecs.js';
import { isKnown, KNOWN_FINDINGS } from './known.js';
import { fuzz, summarize, type Codec, type Finding, type Seed } from './probe.js';
import { Rng } from './prng.js';
import * as S from './seeds.js';

interface Target {
  readonly codec: Codec<unknown>;
  readonly seeds: () => Seed[];
}

const N = 6; // vector cases per seed field

const TARGETS: readonly Target[] = [
  { codec: C.MLSMessageCodec, seeds: () => S.messageSeeds(['mls_welcome', 'mls_group_info', 'mls_key_package', 'public_message_application', 'public_message_proposal', 'public_message_commit', 'private_message'], 3) },
  { codec: C.KeyPackageCodec, seeds: () => [...S.messageSeeds(['mls_key_package'], N, 4), ...S.messageSeeds(['add_proposal'], 2)] },
  { codec: C.WelcomeCodec, seeds: () => S.welcomeSeeds(4) },
  { codec: C.GroupInfoCodec, seeds: () => S.messageSeeds(['mls_group_info'], N, 4) },
  { codec: C.GroupSecretsCodec, seeds: () => S.messageSeeds(['group_secrets'], N) },
  { codec: C.ProposalCodec, seeds: () => S.proposalSeeds(3) },
  { codec: C.CommitCodec, seeds: () => S.messageSeeds(['commit'], N) },
  { codec: C.RatchetTreeCodec, seeds: () => S.ratchetTreeSeeds(4) },
  { codec: C.LeafNodeCodec, seeds: () => S.leafNodeSeeds(2) },
  { codec: C.UpdatePathCodec, seeds: () => S.updatePathSeeds(N) },
  { codec: C.PreSharedKeyIDCodec, seeds: () => S.pskIdSeeds(N) },
  { codec: C.GroupContextCodec, seeds: () => S.groupContextSeeds(N) },
  { codec: C.ExtensionsCodec, seeds: () => S.extensionListSeeds(N) },
  { codec: C.ApplicationIdCodec, seeds: () => S.payloadSeeds.applicationId },
  { codec: C.RequiredCapabilitiesCodec, seeds: () => S.payloadSeeds.requiredCapabilities },
  { codec: C.ExternalPubCodec, seeds: () => S.payloadSeeds.externalPub },
  { codec: C.ExternalSendersCodec, seeds: () => S.payloadSeeds.externalSenders },
  { codec: C.SenderDataCodec, seeds: () => S.senderDataSeeds() },
  ...[ContentType.application, ContentType.proposal, ContentType.commit].map((ct) => ({
    codec: C.privateMessageContentCodec(ct) as Codec<unknown>,
    seeds: () => S.privateContentSeeds(ct, 3),
  })),
];

const results = new Map<string, Finding[]>();

TARGETS.forEach((t, k) => {
  void test(`fuzz ${t.codec.name}: every mutant decodes canonically or throws MlsError`, () => {
    const seeds = t.seeds();
    assert.ok(seeds.length > 0, 'no seeds');
    const r = fuzz(t.codec, seeds, new Rng(0xa5b0 + k));
    results.set(t.codec.name, r.findings);
    assert.deepEqual(r.badSeeds, [], 'every seed must decode and re-encode to itself');
    assert.ok(r.rejected > r.mutants / 4, `only ${r.rejected} of ${r.mutants} mutants were rejected: the mutators are not reaching the decoder`);
    const unknown = r.findings.filter((f) => isKnown(f) === undefined);
    assert.equal(unknown.length, 0, `${unknown.length} of ${r.mutants} mutants broke the principle:\n${summarize(unknown)}`);
  });
});

for (const k of KNOWN_FINDINGS.filter((x) => TARGETS.some((t) => t.codec.name === x.codec))) {
  void test(`known finding ${k.id}`, { todo: k.todo }, () => {
    const t = TARGETS.find((x) => x.codec.name === k.codec);
    assert.ok(t !== undefined);
    const seen = results.get(k.codec) ?? fuzz(t.codec, t.seeds(), new Rng(0xa5b0 + TARGETS.indexOf(t))).findings;
    const hits = seen.filter((f) => k.matches(f));
    assert.equal(hits.length, 0, summarize(hits));
  });
}
