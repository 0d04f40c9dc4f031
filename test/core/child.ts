// Parent side of core-child.ts: start, call, SIGKILL, start again.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ArgsParam, CommandName, CommandResult } from '../../main/contract/index.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export class ChildCore {
  private proc: ChildProcess | undefined;
  private nextId = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  online = false;

  constructor(readonly dataDir: string) {}

  async start(): Promise<void> {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/core/core-child.ts', this.dataDir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    this.proc = proc;
    this.online = false;
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`child exited (${code}) before ready`)));
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const m = JSON.parse(line) as { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: { message: string }; event?: string; payload?: { state: string } };
        if (m.ready === true) resolve();
        else if (m.event === 'connection.changed') this.online = m.payload!.state === 'online';
        else if (m.id !== undefined) {
          const w = this.waiting.get(m.id);
          this.waiting.delete(m.id);
          if (m.ok === true) w?.resolve(m.result);
          else w?.reject(new Error(m.error?.message ?? 'failed'));
        }
      });
    });
    proc.removeAllListeners('exit');
    proc.once('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('child gone'));
      this.waiting.clear();
    });
  }

  invoke<K extends CommandName>(command: K, ...args: ArgsParam<K>): Promise<CommandResult<K>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc!.stdin!.write(`${JSON.stringify({ id, command, args: args[0] })}\n`);
    });
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }
}
