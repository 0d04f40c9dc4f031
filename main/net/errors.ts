// Typed errors of the network layer. Every error the DS client hands to its
// caller is one of these, so the core and the UI can tell apart: the server
// refused (DsRequestError, carrying the protocol code), the server broke the
// protocol (DsProtocolError), the connection went away (DsDisconnected), no
// answer in time (DsTimeout), the server could not be reached (DsUnreachable),
// the client was stopped (DsStopped), a request too big for the server's frame
// limit (DsFrameTooLarge) and caller bugs (DsArgumentError).
//
// `sent` on DsDisconnected and DsTimeout matters for requests that change
// state (group.send, group.commit, keypackages.*, group.create): when it is
// true the server may or may not have executed the request, and only a later
// read (group.fetch, keypackages.count, ...) tells which.

import type { DsErrorCode } from './protocol-types.js';

export abstract class DsError extends Error {}

/** The caller passed something the protocol cannot carry (a bug in the caller, never the server's doing). */
export class DsArgumentError extends DsError {
  override name = 'DsArgumentError';
}

/** The server sent something protocol v1 does not allow; `message` names the field path. */
export class DsProtocolError extends DsError {
  override name = 'DsProtocolError';
}

export interface DsRequestErrorExtra {
  /** `stale_epoch`: the group's current epoch. */
  readonly epoch?: bigint;
  /** `limit_exceeded` of the KeyPackage quota: this device's ordinary KeyPackages stored (absent for the other limits). */
  readonly remaining?: number;
  /** `unsupported_version`: the versions the server speaks. */
  readonly supported?: readonly number[];
  /** `rate_limited` (revision 2): how long to wait before asking again. */
  readonly retryAfterMs?: number;
}

/** The server answered `ok: false`. */
export class DsRequestError extends DsError {
  override name = 'DsRequestError';
  readonly epoch: bigint | undefined;
  readonly remaining: number | undefined;
  readonly supported: readonly number[] | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    /** The request type that was refused, e.g. `group.commit`. */
    readonly requestType: string,
    readonly code: DsErrorCode,
    /** The server's human-readable explanation (truncated to a sane length). */
    readonly reason: string,
    extra: DsRequestErrorExtra = {},
  ) {
    super(`${requestType} refused: ${code}: ${reason}`);
    this.epoch = extra.epoch;
    this.remaining = extra.remaining;
    this.supported = extra.supported;
    this.retryAfterMs = extra.retryAfterMs;
  }
}

/** `register` refused with `user_exists`: the user id is taken (a further device needs an authorization). */
export class DsUserExists extends DsRequestError {
  override name = 'DsUserExists';
}

/** `register` refused with `device_exists`: this user already has a device with that id. */
export class DsDeviceExists extends DsRequestError {
  override name = 'DsDeviceExists';
}

/** The refusal as its most specific class. */
export function requestError(requestType: string, code: DsErrorCode, reason: string, extra: DsRequestErrorExtra = {}): DsRequestError {
  if (code === 'user_exists') return new DsUserExists(requestType, code, reason, extra);
  if (code === 'device_exists') return new DsDeviceExists(requestType, code, reason, extra);
  return new DsRequestError(requestType, code, reason, extra);
}

/** The connection closed before the response came. */
export class DsDisconnected extends DsError {
  override name = 'DsDisconnected';
  constructor(
    message: string,
    /** True when the request had been written to the socket: the server may have executed it. */
    readonly sent: boolean,
    /** The WebSocket close code, when the server closed (1001 shutting down, 1008 login timeout, 1009 frame too large). */
    readonly closeCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The same disconnection, as seen by one request. */
  forRequest(sent: boolean): DsDisconnected {
    return new DsDisconnected(this.message, sent, this.closeCode, { cause: this.cause });
  }
}

/** No response within the request's timeout (which also covers waiting for a connection). */
export class DsTimeout extends DsError {
  override name = 'DsTimeout';
  constructor(
    message: string,
    /** True when the request had been written to the socket: the server may still execute it. */
    readonly sent: boolean,
  ) {
    super(message);
  }
}

/** The server could not be reached: refused, DNS, TLS, HTTP instead of WebSocket, or no `hello` in time. */
export class DsUnreachable extends DsError {
  override name = 'DsUnreachable';
  constructor(
    readonly url: string,
    /** The underlying reason in words, e.g. `connect ECONNREFUSED 127.0.0.1:7443`. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach ${url}: ${reason}`, options);
  }
}

/** The client was stopped (or never started) while the request waited. */
export class DsStopped extends DsError {
  override name = 'DsStopped';
}

/** The request's frame is larger than the server's `maxFrameBytes`; sending it would make the server drop the connection. */
export class DsFrameTooLarge extends DsError {
  override name = 'DsFrameTooLarge';
  constructor(
    readonly requestType: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${requestType}: frame of ${bytes} bytes exceeds the server's limit of ${limit}`);
  }
}
