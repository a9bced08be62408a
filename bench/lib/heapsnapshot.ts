import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  totalMb: number;
  nodes: number;
  byType: Array<{ type: string; mb: number; count: number }>;
  top: Array<{ type: string; name: string; mb: number; count: number }>;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 10.24) / 100;

/**
 * Live heap of a V8 heap snapshot (only reachable objects are in it) by node type (object, code,
 * string, closure, array, hidden, …) and by type + constructor/name: what the heap holds, not
 * what V8 has reserved (RSS − this = young generation, free old-space pages, code space slack,
 * native memory).
 */
export function summariseHeap(file: string, top = 25): HeapSummary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const byType = new Map<string, { bytes: number; count: number }>();
  const byName = new Map<string, { type: string; name: string; bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]] ?? '?';
    const size = s.nodes[i + iSize];
    total += size;
    const t = byType.get(type) ?? { bytes: 0, count: 0 };
    t.bytes += size;
    t.count++;
    byType.set(type, t);
    // Strings and code are grouped by type alone: their "name" is their content or source.
    const raw = s.strings[s.nodes[i + iName]] ?? '';
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string'
        ? '(strings)'
        : type === 'code'
          ? raw.startsWith('(')
            ? raw.slice(0, 40)
            : '(code)'
          : raw.slice(0, 60);
    const key = `${type}\u0000${name}`;
    const n = byName.get(key) ?? { type, name, bytes: 0, count: 0 };
    n.bytes += size;
    n.count++;
    byName.set(key, n);
  }
  return {
    totalMb: mb(total),
    nodes: s.nodes.length / width,
    byType: [...byType]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(([type, v]) => ({ type, mb: mb(v.bytes), count: v.count })),
    top: [...byName.values()]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top)
      .map((v) => ({ type: v.type, name: v.name, mb: mb(v.bytes), count: v.count })),
  };
}
