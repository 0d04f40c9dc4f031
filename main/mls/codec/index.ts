export { Encoder, encode } from './encoder.js';
export { Decoder, decode } from './decoder.js';
export { readVarint, varintSize, VARINT_MAX } from './varint.js';
