import { readFileSync } from 'node:fs';
import { categoryOf } from './cpuprofile';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

export interface AllocationSummary {
  totalMb: number;
  /** Bytes by the category of the allocating frame. */
  selfByCategory: Array<{ category: string; mb: number; percent: number }>;
  /** Bytes by every category on the allocating stack (each counted once per stack). */
  inclusiveByCategory: Array<{ category: string; mb: number; percent: number }>;
  selfTop: Array<{ name: string; category: string; mb: number; percent: number }>;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 10.24) / 100;

/** A V8 sampling heap profile (HeapProfiler.stopSampling) by allocating function and category. */
export function summariseAllocations(file: string, top = 25): AllocationSummary {
  const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: SamplingNode };
  const self = new Map<string, { bytes: number; category: string }>();
  const selfCat = new Map<string, number>();
  const inclCat = new Map<string, number>();
  let total = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const walk = (node: SamplingNode, categories: Set<string>) => {
    const f = node.callFrame;
    const category = categoryOf(f.url, f.functionName);
    const here = f.functionName === '(root)' ? categories : new Set(categories).add(category);
    if (node.selfSize > 0) {
      total += node.selfSize;
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/(dist|dist-bench)\//, '$1/')}:${f.lineNumber + 1}`;
      const entry = self.get(key) ?? { bytes: 0, category };
      entry.bytes += node.selfSize;
      self.set(key, entry);
      add(selfCat, category, node.selfSize);
      for (const c of here) add(inclCat, c, node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(head, new Set());
  const pct = (v: number) => Math.round((1000 * v) / Math.max(1, total)) / 10;
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([category, v]) => ({ category, mb: mb(v), percent: pct(v) }));
  return {
    totalMb: mb(total),
    selfByCategory: rank(selfCat),
    inclusiveByCategory: rank(inclCat),
    selfTop: [...self]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, top)
      .map(([name, v]) => ({ name, category: v.category, mb: mb(v.bytes), percent: pct(v.bytes) })),
  };
}
