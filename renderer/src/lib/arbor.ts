// The renderer's only door to the core: window.arbor, typed from the contract.
// In Electron the preload puts it there; in a browser tab the web host's
// bridge script does. Nothing else of main is reachable from here.

import type { ArborApi, ErrorCode } from '../../../main/contract/index.js';

declare global {
  interface Window {
    readonly arbor: ArborApi;
  }
}

export function arbor(): ArborApi {
  const a = (window as { arbor?: ArborApi }).arbor;
  if (a === undefined) throw new Error('window.arbor is missing: open Arbor through the desktop app or `npm run web`.');
  return a;
}

export interface ErrorInfo {
  readonly code: ErrorCode | null;
  readonly message: string;
}

const CODES: readonly string[] = [
  'bad_argument',
  'unknown_command',
  'forbidden',
  'no_account',
  'account_exists',
  'user_exists',
  'unreachable',
  'unknown_user',
  'not_found',
  'not_member',
  'invalid_state',
  'server_refused',
  'unavailable',
  'internal',
];

/** A refusal from either transport: a ContractError (web bridge) or the { code, message } copy the context bridge makes. */
export function errorInfo(e: unknown): ErrorInfo {
  if (typeof e === 'object' && e !== null) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const m = typeof message === 'string' ? message : String(e);
    return { code: typeof code === 'string' && CODES.includes(code) ? (code as ErrorCode) : null, message: m };
  }
  return { code: null, message: String(e) };
}
