// This device's KeyPackages on the server: 100 ordinary ones (each handed out
// once, to someone adding us) and one last-resort package, replenished after
// every login when fewer than 20 remain. Their private keys stay in the store
// until the Welcome they open is processed.

import { createKeyPackage } from '../mls/index.js';
import type { CoreContext } from './context.js';
import { METADATA_EXTENSION_TYPE } from './metadata.js';

const UPLOAD_BATCH = 100;

/** What every Arbor KeyPackage supports beyond the defaults (RFC 9420 §13.4: the conversation metadata). */
export const ARBOR_CAPABILITIES = { extensions: [METADATA_EXTENSION_TYPE] } as const;

export function makeKeyPackages(ctx: CoreContext, n: number, lastResort: boolean): void {
  const identity = ctx.identity();
  const now = ctx.now();
  ctx.store.tx(() => {
    for (let i = 0; i < n; i++) {
      const kp = createKeyPackage(identity, { lastResort, capabilities: ARBOR_CAPABILITIES });
      ctx.store.account.addKeyPackage({ ref: kp.ref, keyPackage: kp.keyPackage, initPrivateKey: kp.initPrivateKey, encryptionPrivateKey: kp.encryptionPrivateKey, lastResort }, now);
    }
  });
}

/** After login: tops the server up to the target, uploading anything made but not yet uploaded first. */
export async function replenishKeyPackages(ctx: CoreContext): Promise<void> {
  const { store } = ctx;
  const o = ctx.options;
  const count = await ctx.ds.countKeyPackages();
  let remaining = count.remaining;
  let haveLastResort = count.lastResort;
  if (!haveLastResort) {
    if (store.account.notUploaded(true, 1).length === 0) makeKeyPackages(ctx, 1, true);
  }
  if (remaining < o.keyPackageLow) {
    const waiting = store.account.notUploaded(false, o.keyPackageTarget).length;
    const missing = o.keyPackageTarget - remaining - waiting;
    if (missing > 0) makeKeyPackages(ctx, missing, false);
  }
  for (;;) {
    const batch = store.account.notUploaded(false, UPLOAD_BATCH);
    const last = haveLastResort ? [] : store.account.notUploaded(true, 1);
    if (batch.length === 0 && last.length === 0) break;
    if (remaining >= o.keyPackageTarget && last.length === 0) break;
    const r = await ctx.ds.uploadKeyPackages({ keyPackages: batch.map((k) => k.keyPackage), ...(last[0] !== undefined ? { lastResort: last[0].keyPackage } : {}) });
    remaining = r.remaining;
    store.tx(() => {
      store.account.markUploaded([...batch, ...last].map((k) => k.ref));
      if (last[0] !== undefined) store.account.keepOnlyLastResort(last[0].ref);
    });
    if (last[0] !== undefined) haveLastResort = true;
  }
}
