// Who may call the contract over IPC: only the main frame of a page loaded
// from the app's own origin (app://arbor). A subframe, a page that navigated
// elsewhere, or a destroyed frame (senderFrame null) is refused.

import { isAppUrl } from './urls.js';

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

export function isTrustedFrame(frame: FrameLike | null | undefined): boolean {
  if (frame === null || frame === undefined) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}
