// The functions that took the most self time in a V8 CPU profile (the
// .cpuprofile format of node:inspector and `node --cpu-prof`), for
// bench/profile.ts and ad hoc profiling.

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function (name, file:line), from the samples and their time
 * deltas. Samples taken inside the profiler's own stop call (node:inspector) are left out.
 */
export function topSelf(p: Profile, top: number): { name: string; where: string; ms: number; share: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inInspector = (id: number): boolean => {
    for (let q: number | undefined = id; q !== undefined; q = parent.get(q)) if (byId.get(q)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    if (inInspector(id)) return;
    const f = byId.get(id)!.callFrame;
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const file = f.url.replace(/^.*\/(main|bench|node_modules)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'}\t${file ? `${file}:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, ms]) => {
      const [name, where] = k.split('\t') as [string, string];
      return { name, where, ms, share: ms / total };
    });
}

