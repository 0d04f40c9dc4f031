// The KeyPackage directory (docs/protocol.md §5.5–§5.7), built not to be
// drained or stuffed: uploads are validated with the engine and must be the
// uploader's own (keypackage-check.ts), small, and within a per-user quota;
// claims are rate-limited per claimer and per claimed user, and a device's
// last-resort package goes to one claimer only a few times per period.

import { devKey } from './identity.js';
import { admitKeyPackage } from './keypackage-check.js';
import { arrayField, b64Field, ErrorCode, idField, ProtocolError, toB64, type Json } from './protocol.js';
import type { ServiceContext } from './service.js';
import type { DeviceRef } from './storage/types.js';

const seconds = (ms: number): bigint => BigInt(Math.floor(ms / 1000));

export function rateLimited(what: string, retryAfterMs: number): ProtocolError {
  return new ProtocolError(ErrorCode.rateLimited, `${what}; retry in ${retryAfterMs} ms`, { retryAfterMs });
}

export class KeyPackageHandlers {
  constructor(private readonly ctx: ServiceContext) {}

  async upload(me: DeviceRef, req: Json): Promise<Json> {
    const { config, storage } = this.ctx;
    const now = this.ctx.now();
    const list = req.keyPackages === undefined ? [] : arrayField(req.keyPackages, 'keyPackages', config.keyPackagesPerUpload);
    const owner = await storage.getDevice(me.userId, me.deviceId);
    if (owner === undefined) throw new ProtocolError(ErrorCode.unknownDevice, `device ${devKey(me)} is not registered`);
    const rules = { maxBytes: config.keyPackageMaxBytes, suites: config.suites };
    // Base64 of at most maxBytes: anything longer is refused before decoding.
    const admit = (v: unknown, field: string) => admitKeyPackage(b64Field(v, field, config.keyPackageMaxBytes, 1), field, owner, rules, seconds(now));
    const kps = list.map((v, i) => admit(v, `keyPackages[${i}]`));
    const lastResort = req.lastResort === undefined ? null : admit(req.lastResort, 'lastResort');
    const r = await storage.uploadKeyPackages(me, kps, lastResort, config.keyPackagesPerUser, now);
    if (!r.ok) {
      throw new ProtocolError(
        ErrorCode.limitExceeded,
        `user ${me.userId} may store at most ${config.keyPackagesPerUser} KeyPackages (all devices); ${r.userTotal} are stored`,
        { remaining: r.remaining, userTotal: r.userTotal, quota: config.keyPackagesPerUser },
      );
    }
    return { remaining: r.remaining };
  }

  async claim(me: DeviceRef, req: Json): Promise<Json> {
    const { config, storage } = this.ctx;
    const userId = idField(req.userId, 'userId');
    const now = this.ctx.now();
    const claimer = devKey(me);
    if (!this.ctx.claimsByClaimer.take(claimer, now)) {
      throw rateLimited(`${claimer} claims KeyPackages faster than ${config.claimRatePerClaimer}/s (burst ${config.claimBurstPerClaimer})`, this.ctx.claimsByClaimer.waitMs(claimer, now));
    }
    if (!this.ctx.claimsByTarget.take(userId, now)) {
      throw rateLimited(`the KeyPackages of ${userId} are claimed faster than ${config.claimRatePerTarget}/s (burst ${config.claimBurstPerTarget})`, this.ctx.claimsByTarget.waitMs(userId, now));
    }
    const quotaKey = (deviceId: string): string => `${claimer}>${userId}/${deviceId}`;
    const r = await storage.claimKeyPackages(userId, seconds(now), (deviceId) => this.ctx.lastResort.allowed(quotaKey(deviceId), now));
    for (const k of r.claimed) if (k.lastResort) this.ctx.lastResort.record(quotaKey(k.deviceId), now);
    if (r.claimed.length === 0 && r.missing.length === 0 && r.withheld.length === 0) throw new ProtocolError(ErrorCode.unknownUser, `user ${userId} does not exist`);
    return {
      keyPackages: r.claimed.map((k) => ({ deviceId: k.deviceId, keyPackage: toB64(k.data), lastResort: k.lastResort })),
      missing: [...r.missing, ...r.withheld],
      withheld: r.withheld,
    };
  }

  async count(me: DeviceRef): Promise<Json> {
    return { ...(await this.ctx.storage.countKeyPackages(me, seconds(this.ctx.now()))) };
  }
}
