// The typed errors that cross the contract. Every transport carries them as
// { code, message } and rebuilds a ContractError on the other side, so the UI
// can say in words what went wrong (a refused user id, an unreachable server).

export const ERROR_CODES = [
  /** An argument does not match the contract; the message names the field. */
  'bad_argument',
  /** No such command (or event) in the contract. */
  'unknown_command',
  /** The call came from a frame or origin that may not use the contract. */
  'forbidden',
  /** This data directory has no account yet (create one first). */
  'no_account',
  /** An account exists already in this data directory. */
  'account_exists',
  /** The delivery service refused the user id: another user has it. */
  'user_exists',
  /** The delivery service could not be reached. */
  'unreachable',
  /** No such user on the delivery service. */
  'unknown_user',
  /** No such conversation or message here. */
  'not_found',
  /** This device is no longer a member of the conversation. */
  'not_member',
  /** The operation does not apply in the current state (e.g. accepting what is not an invitation). */
  'invalid_state',
  /** The delivery service refused the request; the message says why. */
  'server_refused',
  /** The core stopped (shutting down or crashed) before answering. */
  'unavailable',
  /** An unexpected failure inside the core; logged there. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class ContractError extends Error {
  override name = 'ContractError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
}

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);
}

/** What crosses the boundary for any thrown value: a ContractError keeps its code, anything else is 'internal'. */
export function toWireError(e: unknown): WireError {
  if (e instanceof ContractError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

export function fromWireError(v: unknown): ContractError {
  if (typeof v === 'object' && v !== null) {
    const { code, message } = v as Record<string, unknown>;
    if (isErrorCode(code) && typeof message === 'string') return new ContractError(code, message);
  }
  return new ContractError('internal', 'malformed error from the core');
}
