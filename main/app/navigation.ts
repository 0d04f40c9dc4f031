// Navigation and window-opening policy. The renderer is one page: it never
// navigates, never opens a window and never attaches a webview. A link to the
// web goes to the system browser, and only after safeExternalUrl accepts it.

import { safeExternalUrl } from './urls.js';

export interface WindowOpenDecision {
  /** Always deny: Arbor never opens a second Electron window for content. */
  readonly action: 'deny';
  /** The address to open in the system browser, if the link is allowed out. */
  readonly openExternally: string | null;
}

export function decideWindowOpen(url: unknown): WindowOpenDecision {
  return { action: 'deny', openExternally: safeExternalUrl(url) };
}

/** Navigation of the main frame away from the loaded page: always refused (links open externally). */
export function decideNavigation(url: unknown): { readonly allow: false; readonly openExternally: string | null } {
  return { allow: false, openExternally: safeExternalUrl(url) };
}
