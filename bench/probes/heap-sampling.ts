// Analysis-only preload (`node -r dist-bench/probes/heap-sampling.js …`, used by bench/profile.ts):
// V8's sampling heap profiler through the in-process inspector, keeping the samples of objects
// that a major GC (mark-compact) collected but dropping those a scavenge collected. What remains
// is what survived the young generation: the allocations that fill the old generation between
// mark-compacts, with the stack that allocated them. First SIGURG starts sampling, the second
// writes the profile to BENCH_HEAP_PROFILE_OUT (Nest's shutdown hooks own SIGUSR2).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
let sampling = false;

function post(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

process.on('SIGURG', () => {
  if (!sampling) {
    sampling = true;
    void post('HeapProfiler.startSampling', {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false,
    });
    return;
  }
  sampling = false;
  void post('HeapProfiler.stopSampling').then((result) => {
    const out = process.env.BENCH_HEAP_PROFILE_OUT;
    if (out) writeFileSync(out, JSON.stringify((result as { profile: unknown }).profile));
  });
});
