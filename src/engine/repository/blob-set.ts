// The set of blob ids a backup knows (the index's, and those on their way to a pack), in shared
// memory so the worker threads that chunk and hash files can claim a new blob themselves: the
// thread whose claim succeeds stores the blob, every other one only names it. Open addressing
// over SharedArrayBuffer; a slot's state word (0 empty, 1 being written, 2 ready) is claimed with
// compareExchange, so two threads never both claim one id.
const EMPTY = 0;
const WRITING = 1;
const READY = 2;

export class BlobSet {
  readonly buffer: SharedArrayBuffer;
  private states: Int32Array;
  private ids: Uint8Array;
  private count: Int32Array;
  private mask: number;

  /** A set with room for `capacity` ids (rounded up to a power of two), or one over `buffer`. */
  constructor(capacityOrBuffer: number | SharedArrayBuffer) {
    if (typeof capacityOrBuffer === 'number') {
      let cap = 1024;
      while (cap < capacityOrBuffer) cap <<= 1;
      this.buffer = new SharedArrayBuffer(4 + cap * 4 + cap * 32);
    } else this.buffer = capacityOrBuffer;
    const cap = (this.buffer.byteLength - 4) / 36;
    this.count = new Int32Array(this.buffer, 0, 1);
    this.states = new Int32Array(this.buffer, 4, cap);
    this.ids = new Uint8Array(this.buffer, 4 + cap * 4, cap * 32);
    this.mask = cap - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get size(): number {
    return Atomics.load(this.count, 0);
  }

  private same(slot: number, id: Uint8Array): boolean {
    const o = slot * 32;
    for (let k = 0; k < 32; k++) if (this.ids[o + k] !== id[k]) return false;
    return true;
  }

  /**
   * Claims `id`: true when it was not in the set (the caller stores the blob), false when it
   * was. Undefined when the set is too full to take more (the caller decides another way).
   */
  claim(id: Uint8Array): boolean | undefined {
    let s = (id[0]! | (id[1]! << 8) | (id[2]! << 16) | (id[3]! << 24)) & this.mask;
    for (;;) {
      let st = Atomics.load(this.states, s);
      if (st === EMPTY) {
        if (this.size * 4 >= this.capacity * 3) return undefined;
        st = Atomics.compareExchange(this.states, s, EMPTY, WRITING);
        if (st === EMPTY) {
          this.ids.set(id.subarray(0, 32), s * 32);
          Atomics.store(this.states, s, READY);
          Atomics.add(this.count, 0, 1);
          return true;
        }
      }
      // Another thread is writing this slot's id: a few stores away.
      while (st === WRITING) st = Atomics.load(this.states, s);
      if (this.same(s, id)) return false;
      s = (s + 1) & this.mask;
    }
  }

  has(id: Uint8Array): boolean {
    let s = (id[0]! | (id[1]! << 8) | (id[2]! << 16) | (id[3]! << 24)) & this.mask;
    for (;;) {
      let st = Atomics.load(this.states, s);
      if (st === EMPTY) return false;
      while (st === WRITING) st = Atomics.load(this.states, s);
      if (this.same(s, id)) return true;
      s = (s + 1) & this.mask;
    }
  }

  /** A set twice as large with the same ids; only while no other thread uses this one. */
  grown(): BlobSet {
    const next = new BlobSet(this.capacity * 2);
    for (let s = 0; s <= this.mask; s++) if (this.states[s] === READY) next.claim(this.ids.subarray(s * 32, s * 32 + 32));
    return next;
  }
}
