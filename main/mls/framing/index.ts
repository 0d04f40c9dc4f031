// Message framing (RFC 9420 §6) and transcript hashes (§8.2): the public surface.
// Errors of unprotect: DecodeError for malformed bytes (including nonzero
// padding); ValidationError for a well-formed message that breaks a rule (other
// group or epoch, sender leaf outside the tree or blank, replayed or too-distant
// generation, wrong membership or confirmation tag, a sender type sending a
// content type it may not); CryptoError when an AEAD does not open or a
// signature does not verify; ArgumentError when the caller breaks the API contract.
export * from './wire-format.js';
export * from './content-type.js';
export * from './sender.js';
export * from './framed-content.js';
export * from './framed-content-tbs.js';
export * from './framed-content-auth-data.js';
export * from './authenticated-content.js';
export * from './authenticated-content-tbm.js';
export * from './public-message.js';
export * from './private-message.js';
export * from './private-message-content.js';
export * from './sender-data.js';
export * from './private-content-aad.js';
export * from './sender-data-aad.js';
export * from './mls-message.js';
export * from './transcript-hash.js';
export * from './content-auth.js';
export * from './membership-tag.js';
export * from './sender-rules.js';
export * from './protect-public.js';
export * from './protect-private.js';
