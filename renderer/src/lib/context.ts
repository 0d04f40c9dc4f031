import { getContext, setContext } from 'svelte';
import type { AppState } from './state.svelte.js';

const KEY = Symbol('arbor.app');

export function provideApp(state: AppState): void {
  setContext(KEY, state);
}

export function useApp(): AppState {
  const s = getContext<AppState | undefined>(KEY);
  if (s === undefined) throw new Error('useApp outside App');
  return s;
}
