// Resource figures of a server process, from /proc (Linux): resident memory
// and CPU time. The attack tests bound them instead of timing anything.

import { readFileSync } from 'node:fs';

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** User + system CPU time in seconds (clock ticks of 1/100 s, the Linux default). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Samples `fn` every `ms` until stopped; returns the maximum seen. */
export function sampleMax(fn: () => number, ms: number): { stop: () => number } {
  let max = fn();
  const t = setInterval(() => {
    try {
      max = Math.max(max, fn());
    } catch {
      // the process may be gone
    }
  }, ms);
  return {
    stop: () => {
      clearInterval(t);
      return max;
    },
  };
}

export const MiB = 1024 * 1024;
