// The network layer's public API: the delivery-service client the messenger
// core uses, its errors and the protocol's types. Bytes in, bytes out.

export { DsApi, DsSession, type DsCallOptions } from './api.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { systemClock, type Clock } from './clock.js';
export { DsClient, DEFAULT_REQUEST_TIMEOUT_MS, type DsClientEvents, type DsClientOptions, type DsClientStats, type DsRegistered, type DsRegisterOptions, type DsStatus, type DsStatusInfo, type OnOnlineHook } from './client.js';
export { Connection, type ConnectionOptions, type DsTlsOptions, type ProtocolErrorAction, type WebSocketFactory } from './connection.js';
export { DeviceKey, generateDeviceKeyPair } from './device-key.js';
export {
  DsArgumentError,
  DsDeviceExists,
  DsDisconnected,
  DsError,
  DsFrameTooLarge,
  DsProtocolError,
  DsRequestError,
  DsStopped,
  DsTimeout,
  DsUnreachable,
  DsUserExists,
} from './errors.js';
export type { DsLogger, DsLogLevel } from './logger.js';
export * from './protocol-types.js';
export { toBeSigned, type SignLabel } from './tbs.js';
