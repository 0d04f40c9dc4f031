// The API contract between the messenger core and everything that shows it.
export * from './commands.js';
export * from './errors.js';
export * from './events.js';
export * from './types.js';
export { createDispatcher, validateCall, type Handlers, type Reply } from './dispatch.js';
export { createContractClient, EventHub, type ArborApi, type ContractClient, type WirePort } from './client.js';
export { asCall, asFromCore, type CallMessage, type EventMessage, type FromCore, type ReplyMessage } from './wire.js';
