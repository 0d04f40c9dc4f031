// Starts a messenger core for one data directory in a worker thread and
// returns a client of the contract. The calling thread (Electron main, the web
// test host, the CLI, tests) never runs SQL or MLS itself, so a 10,000-member
// commit or an fsync never blocks it.

import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createContractClient, ContractError, type ArborApi } from '../contract/index.js';
import { FileKeyVault, type KeyVault } from '../store/key-vault.js';
import type { CoreOptions, WorkerData } from './worker-protocol.js';

export interface StartCoreOptions extends CoreOptions {
  readonly dataDir: string;
  /** Default: a 0600 key file in dataDir. */
  readonly keyVault?: KeyVault;
  /** The worker's entry file; default worker-tsx.mjs (from source, under tsx) or worker.js (bundled) beside this file. */
  readonly workerUrl?: URL;
}

export interface CoreHandle {
  readonly api: ArborApi;
  /** Stops the network, finishes the running transaction, closes the database and ends the worker. */
  close(): Promise<void>;
  /** Resolves when the worker is gone, for whatever reason. */
  readonly exited: Promise<number>;
}

function defaultWorkerUrl(): URL {
  const ts = new URL('./worker.ts', import.meta.url);
  return existsSync(fileURLToPath(ts)) ? new URL('./worker-tsx.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);
}

export async function startCore(opts: StartCoreOptions): Promise<CoreHandle> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const vault = opts.keyVault ?? new FileKeyVault(opts.dataDir);
  const { dataDir, keyVault: _v, workerUrl, ...options } = opts;
  const data: WorkerData = { dataDir, databaseKey: vault.databaseKey(), options };
  const worker = new Worker(workerUrl ?? defaultWorkerUrl(), { workerData: data });
  const client = createContractClient({ send: (m) => worker.postMessage(m) });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  let closing: Promise<void> | undefined;

  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      const t = (m as { type?: unknown } | null)?.type;
      if (t === 'ready') {
        worker.off('message', onMessage);
        resolve();
      } else if (t === 'fatal') {
        worker.off('message', onMessage);
        reject(new ContractError('unavailable', String((m as { message?: unknown }).message)));
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    void exited.then((code) => reject(new ContractError('unavailable', `the core exited (${code}) while starting`)));
  });

  worker.on('message', (m) => client.receive(m));
  worker.on('error', (e) => client.close(`the core failed: ${e.message}`));
  void exited.then((code) => client.close(`the core stopped (${code})`));

  return {
    api: { invoke: client.invoke, on: client.on },
    exited,
    close() {
      closing ??= (async () => {
        worker.postMessage({ type: 'shutdown' });
        const timer = setTimeout(() => void worker.terminate(), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
