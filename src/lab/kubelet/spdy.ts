/**
 * The server side of SPDY/3.1 that kubectl port-forward speaks (directly after an HTTP upgrade,
 * or tunneled in WebSocket messages): streams opened by the client (SYN_STREAM), answered
 * (SYN_REPLY), data both ways with FIN, RST_STREAM, PING echoed, GOAWAY. No server push, no
 * priorities, no flow control (kubectl's spdystream sends no WINDOW_UPDATE it waits for).
 */
import zlib from 'node:zlib';

/** The zlib dictionary of SPDY/3 header blocks (draft 3, section 2.6.10.1), 1423 bytes. */
const DICTIONARY = Buffer.from(
  'AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==',
  'base64',
);

const TYPE = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goaway: 7, headers: 8, windowUpdate: 9 };
const FIN = 0x01;
const MAX_DATA = 32 * 1024;

export class SpdyStream {
  onData: (data: Buffer) => void = () => {};
  /** The client sent FIN: it will send no more. */
  onEnd: () => void = () => {};
  /** The stream was reset (by the client, or the session ended). */
  onReset: () => void = () => {};
  private finished = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string>,
  ) {}

  write(data: Buffer): void {
    if (this.finished) return;
    for (let i = 0; i < data.length; i += MAX_DATA) this.session.data(this.id, data.subarray(i, i + MAX_DATA), false);
  }

  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.data(this.id, Buffer.alloc(0), true);
  }
}

function headerBlock(text: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 4;
  for (let n = text.readUInt32BE(0); n > 0; n--) {
    const nameLen = text.readUInt32BE(i);
    const name = text.subarray(i + 4, i + 4 + nameLen).toString('utf8');
    i += 4 + nameLen;
    const valueLen = text.readUInt32BE(i);
    out[name.toLowerCase()] = text.subarray(i + 4, i + 4 + valueLen).toString('utf8');
    i += 4 + valueLen;
  }
  return out;
}

export class SpdySession {
  private buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  /** Every compressed header byte the client sent: its zlib stream spans all header blocks. */
  private compressed = Buffer.alloc(0);
  private inflated = 0;
  private sentHeaderBlock = false;
  private closed = false;

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly onStream: (stream: SpdyStream) => void,
    private readonly onClose: () => void = () => {},
  ) {}

  feed(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 8 && !this.closed) {
      const length = this.buffer.readUIntBE(5, 3);
      if (this.buffer.length < 8 + length) return;
      const frame = this.buffer.subarray(0, 8 + length);
      this.buffer = this.buffer.subarray(8 + length);
      this.frame(frame);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.onReset();
    this.streams.clear();
    this.onClose();
  }

  private frame(f: Buffer): void {
    const flags = f[4]!;
    const body = f.subarray(8);
    if (!(f[0]! & 0x80)) {
      const stream = this.streams.get(f.readUInt32BE(0) & 0x7fffffff);
      if (!stream) return;
      if (body.length) stream.onData(body);
      if (flags & FIN) stream.onEnd();
      return;
    }
    switch (f.readUInt16BE(2)) {
      case TYPE.synStream: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const stream = new SpdyStream(this, id, this.headers(body.subarray(10)));
        this.streams.set(id, stream);
        this.control(TYPE.synReply, 0, Buffer.concat([u32(id), this.encodeHeaders()]));
        this.onStream(stream);
        if (flags & FIN) stream.onEnd();
        return;
      }
      case TYPE.headers:
        this.headers(body.subarray(4)); // keeps the zlib stream in step
        return;
      case TYPE.rstStream: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.onReset();
        this.streams.delete(id);
        return;
      }
      case TYPE.ping:
        this.send(f);
        return;
      case TYPE.goaway:
        this.close();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE
    }
  }

  /**
   * Inflates one header block: the client's zlib stream runs across blocks, so the whole of it is
   * inflated again (flushed, not finished) and the new bytes taken; header blocks are small.
   */
  private headers(block: Buffer): Record<string, string> {
    this.compressed = Buffer.concat([this.compressed, block]);
    const all = zlib.inflateSync(this.compressed, { dictionary: DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const text = all.subarray(this.inflated);
    this.inflated = all.length;
    return headerBlock(text);
  }

  /**
   * An empty header block, as stored (uncompressed) deflate blocks, which continue one zlib
   * stream; each ends with a sync flush (an empty stored block), without which a reader such as
   * Go's flate keeps the bytes back until the next block.
   */
  private encodeHeaders(): Buffer {
    const plain = u32(0);
    const stored = Buffer.concat([Buffer.from([0x00, plain.length & 0xff, plain.length >> 8, ~plain.length & 0xff, (~plain.length >> 8) & 0xff]), plain, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])]);
    if (this.sentHeaderBlock) return stored;
    this.sentHeaderBlock = true;
    return Buffer.concat([Buffer.from([0x78, 0x01]), stored]);
  }

  private control(type: number, flags: number, body: Buffer): void {
    const head = Buffer.alloc(8);
    head.writeUInt16BE(0x8003, 0);
    head.writeUInt16BE(type, 2);
    head.writeUInt32BE(body.length, 4);
    head[4] = flags;
    this.send(Buffer.concat([head, body]));
  }

  /** A DATA frame (used by SpdyStream). */
  data(id: number, payload: Buffer, fin: boolean): void {
    if (this.closed) return;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(id & 0x7fffffff, 0);
    head.writeUInt32BE(payload.length, 4);
    head[4] = fin ? FIN : 0;
    this.send(Buffer.concat([head, payload]));
  }
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
