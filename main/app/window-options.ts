// The main window's options, with every item of Electron's security checklist
// that applies to a window: an isolated, sandboxed renderer without Node, with
// web security on and nothing experimental. Pure data, tested under Node.

import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload (one CommonJS file). */
  readonly preloadPath: string;
  /** Whether the OS prefers dark colours (the window's background before the first paint). */
  readonly dark: boolean;
  /** Developer tools: off in packaged builds. */
  readonly devTools: boolean;
}

export function secureWebPreferences(preloadPath: string, devTools: boolean): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    enableWebSQL: false,
    plugins: false,
    safeDialogs: true,
    spellcheck: true,
    devTools,
  };
}

export function mainWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 740,
    minWidth: 640,
    minHeight: 440,
    show: false,
    title: 'Arbor',
    backgroundColor: input.dark ? '#16181d' : '#ffffff',
    autoHideMenuBar: false,
    webPreferences: secureWebPreferences(input.preloadPath, input.devTools),
  };
}

/**
 * What is wrong with a set of web preferences, in words; empty when it is safe.
 * Used on every window and on any webview that tries to attach (which is refused anyway).
 */
export function webPreferencesProblems(p: WebPreferences): string[] {
  const out: string[] = [];
  if (p.contextIsolation !== true) out.push('contextIsolation must be true');
  if (p.sandbox !== true) out.push('sandbox must be true');
  if (p.nodeIntegration !== false) out.push('nodeIntegration must be false');
  if (p.nodeIntegrationInWorker === true) out.push('nodeIntegrationInWorker must be off');
  if (p.nodeIntegrationInSubFrames === true) out.push('nodeIntegrationInSubFrames must be off');
  if (p.webSecurity === false) out.push('webSecurity must stay on');
  if (p.allowRunningInsecureContent === true) out.push('allowRunningInsecureContent must be off');
  if (p.experimentalFeatures === true) out.push('experimentalFeatures must be off');
  if (p.enableBlinkFeatures !== undefined && p.enableBlinkFeatures !== '') out.push('enableBlinkFeatures must be empty');
  if (p.webviewTag === true) out.push('webviewTag must be off');
  return out;
}
