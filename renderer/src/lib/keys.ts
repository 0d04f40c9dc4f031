// Keyboard shortcuts, as data: which key event means what.

export type Shortcut = 'newConversation' | 'switchConversation' | 'previousConversation' | 'nextConversation' | 'settings';

export interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
}

/** Ctrl on Windows and Linux, Cmd on macOS. */
export function primary(e: KeyLike, mac: boolean): boolean {
  return mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
}

export function shortcutOf(e: KeyLike, mac: boolean): Shortcut | null {
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (primary(e, mac) && !e.altKey && !e.shiftKey) {
    if (k === 'n') return 'newConversation';
    if (k === 'k') return 'switchConversation';
    if (k === ',') return 'settings';
  }
  if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
    if (k === 'ArrowUp') return 'previousConversation';
    if (k === 'ArrowDown') return 'nextConversation';
  }
  return null;
}

export function isMac(platform: string): boolean {
  return /mac|iphone|ipad/i.test(platform);
}
