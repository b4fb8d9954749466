// Just enough tar for image archives: a pull-based reader over a byte stream (ustar, pax and GNU
// long names; each entry's body is streamed, never buffered whole) and a ustar writer.

export interface TarEntry {
  name: string;
  /** 'file', 'directory', 'symlink', 'link' (hard link), or 'other'. */
  type: 'file' | 'directory' | 'symlink' | 'link' | 'other';
  size: number;
  linkname: string;
  /** The entry's bytes; read it before asking for the next entry, or it is skipped. */
  body: AsyncIterable<Uint8Array>;
}

const BLOCK = 512;

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
    return this.buffered >= n;
  }

  /** Up to `max` bytes (at least one unless the stream ended), without copying where it can. */
  async some(max: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(1))) return undefined;
    const head = this.chunks[0]!;
    if (head.length <= max) {
      this.chunks.shift();
      this.buffered -= head.length;
      return head;
    }
    this.chunks[0] = head.subarray(max);
    this.buffered -= max;
    return head.subarray(0, max);
  }

  async exact(n: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(n))) return undefined;
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const part = (await this.some(n - off))!;
      out.set(part, off);
      off += part.length;
    }
    return out;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      const part = await this.some(n);
      if (!part) throw new Error('tar stream ended inside an entry');
      n -= part.length;
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

const text = (b: Uint8Array, start: number, len: number) => {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return Buffer.from(nul >= 0 ? field.subarray(0, nul) : field).toString('utf8');
};

function number(b: Uint8Array, start: number, len: number): number {
  if (b[start]! & 0x80) {
    // base-256, for sizes beyond 8 GiB
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = text(b, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function paxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let i = 0;
  while (i < b.length) {
    const space = b.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(b.subarray(i, space).toString('latin1'));
    if (!len) break;
    const kv = b.subarray(space + 1, i + len - 1).toString('utf8'); // without the trailing newline
    const eq = kv.indexOf('=');
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPES: Record<string, TarEntry['type']> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'link' };

/** The entries of a tar stream, in order. */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      const header = await r.exact(BLOCK);
      if (!header || header.every((b) => b === 0)) return;
      const flag = String.fromCharCode(header[156]!);
      let size = number(header, 124, 12);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        const data = await r.exact(padded);
        if (!data) throw new Error('tar stream ended inside a header');
        const body = data.subarray(0, size);
        if (flag === 'x') pax = paxRecords(body);
        else if (flag === 'L') longName = text(body, 0, body.length);
        else if (flag === 'K') longLink = text(body, 0, body.length);
        continue;
      }
      const magic = text(header, 257, 6);
      const prefix = magic.startsWith('ustar') ? text(header, 345, 155) : '';
      let name = longName ?? pax.path ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      const linkname = longLink ?? pax.linkpath ?? text(header, 157, 100);
      if (pax.size) size = Number(pax.size);
      pax = {};
      longName = longLink = undefined;
      name = name.replace(/^\.\//, '');
      let left = size;
      const body: AsyncIterable<Uint8Array> = {
        async *[Symbol.asyncIterator]() {
          while (left > 0) {
            const part = await r.some(Math.min(left, 1 << 20));
            if (!part) throw new Error(`tar stream ended inside ${name}`);
            left -= part.length;
            yield part;
          }
        },
      };
      yield { name, type: TYPES[flag] ?? 'other', size, linkname, body };
      await r.skip(left + (Math.ceil(size / BLOCK) * BLOCK - size));
    }
  } finally {
    await r.close();
  }
}

/** Reads a (small) entry's body whole. */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

function header(name: string, size: number, mode: number, flag = '0'): Uint8Array {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar name too long: ${name}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(mode.toString(8).padStart(7, '0'), 100);
  h.write('0000000', 108);
  h.write('0000000', 116);
  h.write(size.toString(8).padStart(11, '0'), 124);
  h.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0'), 136);
  h.write(flag, 156);
  h.write('ustar\u000000', 257, 'binary');
  h.write(prefix, 345, 155, 'utf8');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'binary');
  return h;
}

export interface TarInput {
  name: string;
  size: number;
  mode?: number;
  body: Uint8Array | AsyncIterable<Uint8Array>;
}

/** Writes entries as a ustar stream; a body must hold exactly `size` bytes. */
export async function* writeTar(entries: Iterable<TarInput> | AsyncIterable<TarInput>): AsyncGenerator<Uint8Array> {
  for await (const e of entries) {
    yield header(e.name, e.size, e.mode ?? 0o644);
    let n = 0;
    if (e.body instanceof Uint8Array) {
      n = e.body.length;
      yield e.body;
    } else {
      for await (const part of e.body) {
        n += part.length;
        if (n > e.size) throw new Error(`${e.name}: more than the ${e.size} bytes announced`);
        yield part;
      }
    }
    if (n !== e.size) throw new Error(`${e.name}: ${n} bytes where ${e.size} were announced`);
    const pad = (BLOCK - (e.size % BLOCK)) % BLOCK;
    if (pad) yield new Uint8Array(pad);
  }
  yield new Uint8Array(BLOCK * 2);
}
