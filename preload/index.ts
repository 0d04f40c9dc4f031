// The preload entry: exposes `window.arbor` = { invoke, on } and nothing else.
// Bundled by esbuild to ONE CommonJS file (a sandboxed preload may require only
// 'electron'); see main/app/build.ts.

import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './api.js';

contextBridge.exposeInMainWorld('arbor', createPreloadApi(ipcRenderer));
