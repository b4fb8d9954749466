// Frees the memory of buffers the write pipeline is done with, now rather than when V8 next
// feels pressure. A backup moves every byte through a few short-lived large buffers per blob
// (chunk, compressed, sealed, pack), held outside the JS heap: V8 lets tens of MB of them pile up
// in each thread before it collects, which made peak RSS several times the live data. A young-
// generation collection after each batch and pack costs well under a millisecond.
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (opts?: { type?: 'minor' | 'major' }) => void;
let gc: Gc | null | undefined;

export function collectBuffers(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as Gc;
    } catch {
      gc = null; // no collector to call: V8 collects on its own schedule
    }
  }
  gc?.({ type: 'minor' });
}
