// The typed request methods, written once over an abstract `call`: DsClient
// implements it with waiting and retrying across connections, DsSession (the
// handle the onOnline hook gets) sends on one given connection.

import type { Connection } from './connection.js';
import type {
  CommitParams,
  CreateGroupParams,
  DsHello,
  DsParams,
  DsRequestType,
  DsResult,
  FetchParams,
  RosterParams,
  UploadKeyPackagesParams,
} from './protocol-types.js';
import { prepareRequest } from './requests.js';

export interface DsCallOptions {
  /** Overall timeout of this request, waiting for a connection included. Default: the client's `requestTimeoutMs`. */
  readonly timeoutMs?: number;
  /** false: fail at once with DsDisconnected when not online, instead of waiting for the connection. Default true. */
  readonly waitForConnection?: boolean;
}

export abstract class DsApi {
  protected abstract call<T extends DsRequestType>(type: T, params: DsParams<T>, options: DsCallOptions | undefined): Promise<DsResult<T>>;

  /** `ping`: a round trip. */
  async ping(options?: DsCallOptions): Promise<void> {
    await this.call('ping', {}, options);
  }

  /** `keypackages.upload`: at most 100 KeyPackage MLSMessages, and optionally a new last-resort one. Not idempotent. */
  uploadKeyPackages(params: UploadKeyPackagesParams, options?: DsCallOptions): Promise<DsResult<'keypackages.upload'>> {
    return this.call('keypackages.upload', params, options);
  }

  /** `keypackages.claim`: one KeyPackage per device of `userId` (each ordinary one handed out once). Not idempotent. */
  claimKeyPackages(userId: string, options?: DsCallOptions): Promise<DsResult<'keypackages.claim'>> {
    return this.call('keypackages.claim', { userId }, options);
  }

  /** `keypackages.count`: this device's stored KeyPackages. */
  countKeyPackages(options?: DsCallOptions): Promise<DsResult<'keypackages.count'>> {
    return this.call('keypackages.count', {}, options);
  }

  /** `group.create`: the group at epoch 0 with this device as its roster. Not idempotent (`group_exists` on a repeat). */
  createGroup(params: CreateGroupParams, options?: DsCallOptions): Promise<DsResult<'group.create'>> {
    return this.call('group.create', params, options);
  }

  /** `group.commit`: a commit with its GroupInfo, Welcomes and roster change, all or nothing. Not idempotent. */
  commit(params: CommitParams, options?: DsCallOptions): Promise<DsResult<'group.commit'>> {
    return this.call('group.commit', params, options);
  }

  /** `group.send`: a proposal or application MLSMessage. Not idempotent. */
  send(message: Uint8Array, options?: DsCallOptions): Promise<DsResult<'group.send'>> {
    return this.call('group.send', { message }, options);
  }

  /** `group.fetch`: messages with seq > after (default: the cursor), oldest first. */
  fetch(params: FetchParams, options?: DsCallOptions): Promise<DsResult<'group.fetch'>> {
    return this.call('group.fetch', params, options);
  }

  /** `group.ack`: raise this device's cursor to `seq` (the server clamps it). */
  ack(groupId: Uint8Array, seq: number, options?: DsCallOptions): Promise<DsResult<'group.ack'>> {
    return this.call('group.ack', { groupId, seq }, options);
  }

  /** `group.list`: the device's groups, and groups it was removed from with messages left to read. One page: with `more`, ask again with `after` = the last group id. */
  listGroups(params: DsParams<'group.list'> = {}, options?: DsCallOptions): Promise<DsResult<'group.list'>> {
    return this.call('group.list', params, options);
  }

  /**
   * `group.roster`: the devices of the group's tree with their status (accepted members may ask).
   * One page: with `more`, ask again with `after` = the last device.
   */
  roster(groupId: Uint8Array, page: Omit<RosterParams, 'groupId'> = {}, options?: DsCallOptions): Promise<DsResult<'group.roster'>> {
    return this.call('group.roster', { ...page, groupId }, options);
  }

  /** `group.info`: the latest GroupInfo, or nulls when none was posted. */
  groupInfo(groupId: Uint8Array, options?: DsCallOptions): Promise<DsResult<'group.info'>> {
    return this.call('group.info', { groupId }, options);
  }

  /** `welcome.list`: Welcomes waiting for this device. `more`: others wait beyond this page, listed once these are acknowledged or declined. */
  listWelcomes(params: DsParams<'welcome.list'> = {}, options?: DsCallOptions): Promise<DsResult<'welcome.list'>> {
    return this.call('welcome.list', params, options);
  }

  /** `welcome.ack`: remove Welcomes from this device's queue. */
  ackWelcomes(ids: readonly number[], options?: DsCallOptions): Promise<DsResult<'welcome.ack'>> {
    return this.call('welcome.ack', { ids }, options);
  }

  /** `welcome.decline`: drop Welcomes and decline their invitations. */
  declineWelcomes(ids: readonly number[], options?: DsCallOptions): Promise<DsResult<'welcome.decline'>> {
    return this.call('welcome.decline', { ids }, options);
  }
}

/**
 * The requests of one logged-in connection, handed to the onOnline hook so its
 * catch-up runs before the client reports 'online' (requests made on the
 * DsClient itself wait until then). Nothing here waits or retries.
 */
export class DsSession extends DsApi {
  constructor(
    private readonly connection: Connection,
    private readonly defaultTimeoutMs: number,
  ) {
    super();
  }

  get hello(): DsHello {
    return this.connection.hello;
  }

  protected async call<T extends DsRequestType>(type: T, params: DsParams<T>, options: DsCallOptions | undefined): Promise<DsResult<T>> {
    return this.connection.request(prepareRequest(type, params), options?.timeoutMs ?? this.defaultTimeoutMs);
  }
}
