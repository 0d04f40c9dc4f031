// Runs the core's worker from TypeScript source (tests, CLI, demo under tsx).
// Node 20 does not apply the parent's --import loader to a worker's entry, so
// the worker registers tsx itself. A packaged app runs the bundled worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
