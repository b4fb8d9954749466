// Tree blobs: the JSON restic writes for a directory, `{"nodes":[...]}` plus a newline, with the
// nodes sorted by name and each node's fields in the order and with the omissions of restic's Go
// struct (internal/restic/node.go). A tree's id is the SHA-256 of these bytes.

export type NodeType = 'file' | 'dir' | 'symlink' | 'dev' | 'chardev' | 'fifo' | 'socket';

export interface Node {
  name: string;
  type: NodeType;
  /** Go's os.FileMode: permission bits plus type and setuid/setgid/sticky flags. */
  mode?: number;
  mtime?: string;
  atime?: string;
  ctime?: string;
  uid: number;
  gid: number;
  user?: string;
  group?: string;
  inode?: number;
  device_id?: number;
  size?: number;
  links?: number;
  linktarget?: string;
  extended_attributes?: { name: string; value: string }[];
  device?: number;
  /** Data blob ids of a file, in order; null for other types. */
  content: string[] | null;
  /** Tree blob id of a directory. */
  subtree?: string;
  error?: string;
}

export interface Tree {
  nodes: Node[];
}

// Go's os.FileMode bits.
export const GO_MODE = {
  dir: 1 << 31,
  append: 1 << 30,
  exclusive: 1 << 29,
  temporary: 1 << 28,
  symlink: 1 << 27,
  device: 1 << 26,
  namedPipe: 1 << 25,
  socket: 1 << 24,
  setuid: 1 << 23,
  setgid: 1 << 22,
  charDevice: 1 << 21,
  sticky: 1 << 20,
} as const;

/** st_mode (Unix) to Go's os.FileMode. */
export function goModeFromUnix(m: number): number {
  let g = m & 0o777;
  if (m & 0o4000) g |= GO_MODE.setuid;
  if (m & 0o2000) g |= GO_MODE.setgid;
  if (m & 0o1000) g |= GO_MODE.sticky;
  switch (m & 0o170000) {
    case 0o040000: g |= GO_MODE.dir; break;
    case 0o120000: g |= GO_MODE.symlink; break;
    case 0o010000: g |= GO_MODE.namedPipe; break;
    case 0o140000: g |= GO_MODE.socket; break;
    case 0o060000: g |= GO_MODE.device; break;
    case 0o020000: g |= GO_MODE.device | GO_MODE.charDevice; break;
  }
  return g >>> 0;
}

/** The permission bits (with setuid, setgid, sticky) of a Go os.FileMode, for chmod. */
export function unixPermFromGo(g: number): number {
  let m = g & 0o777;
  if (g & GO_MODE.setuid) m |= 0o4000;
  if (g & GO_MODE.setgid) m |= 0o2000;
  if (g & GO_MODE.sticky) m |= 0o1000;
  return m;
}

/** Nanoseconds since the epoch, as Go's time.Time marshals them (RFC 3339, local offset). */
export function formatTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n) - (ns % 1_000_000n < 0n ? 1 : 0);
  const offsetMin = -new Date(ms).getTimezoneOffset();
  const d = new Date(ms + offsetMin * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  let frac = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  let fs = '';
  if (frac !== 0n) fs = '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  const zone = offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${p(Math.floor(Math.abs(offsetMin) / 60))}:${p(Math.abs(offsetMin) % 60)}`;
  return (
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${fs}${zone}`
  );
}

const TIME_RE = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Parses an RFC 3339 time (as restic writes it) to nanoseconds since the epoch. */
export function parseTime(s: string): bigint {
  const m = TIME_RE.exec(s);
  if (!m) {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) throw new Error(`not a time: ${s}`);
    return BigInt(ms) * 1_000_000n;
  }
  const sec = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  let off = 0;
  if (m[8] !== 'Z') off = (m[8]![0] === '-' ? -1 : 1) * (+m[8]!.slice(1, 3) * 3600 + +m[8]!.slice(4, 6) * 60);
  const frac = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  return BigInt(sec - off) * 1_000_000_000n + frac;
}

/** JSON text of a string exactly as Go's encoding/json writes it (HTML-safe escapes, \u00XX). */
const PLAIN = /^[\x20-\x21\x23-\x25\x27-\x3b\x3d\x3f-\x5b\x5d-\x7e]*$/;

export function goJsonString(s: string): string {
  // Most names need no escaping at all: printable ASCII without " \\ < > &.
  if (PLAIN.test(s)) return `"${s}"`;
  return JSON.stringify(s)
    .replace(/\\(.)/g, (all, c: string) => (c === 'b' ? '\\u0008' : c === 'f' ? '\\u000c' : all))
    .replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const str = goJsonString;

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/**
 * Go's strconv.Quote without the outer quotes. restic 0.14 stores node names this way inside
 * the JSON (node.go, MarshalJSON), so a name with a backslash or a newline is escaped twice.
 */
export function goQuoteInner(s: string): string {
  return s.replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]|["\\]/gu, (c) => {
    const e = GO_ESCAPES[c];
    if (e) return e;
    const cp = c.codePointAt(0)!;
    if (cp < 0x80) return '\\x' + cp.toString(16).padStart(2, '0');
    if (cp > 0xffff) return '\\U' + cp.toString(16).padStart(8, '0');
    return '\\u' + cp.toString(16).padStart(4, '0');
  });
}

const GO_UNESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34 };

/** Reverses goQuoteInner (Go's strconv.Unquote of the quoted text). */
export function goUnquoteInner(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const pushCp = (cp: number) => bytes.push(...Buffer.from(String.fromCodePoint(cp)));
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (cp !== 92) {
      pushCp(cp);
      i += w;
      continue;
    }
    const c = s[i + 1] ?? '';
    if (c in GO_UNESCAPES) {
      bytes.push(GO_UNESCAPES[c]!);
      i += 2;
    } else if (c === 'x') {
      bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (c === 'u') {
      pushCp(parseInt(s.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (c === 'U') {
      pushCp(parseInt(s.slice(i + 2, i + 10), 16));
      i += 10;
    } else if (c >= '0' && c <= '7') {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 4;
    } else {
      throw new Error(`invalid escape in node name ${JSON.stringify(s)}`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function encodeNode(n: Node): string {
  const f: string[] = [`"name":${str(goQuoteInner(n.name))}`, `"type":${str(n.type)}`];
  if (n.mode) f.push(`"mode":${n.mode}`);
  f.push(`"mtime":${str(n.mtime ?? '0001-01-01T00:00:00Z')}`);
  f.push(`"atime":${str(n.atime ?? '0001-01-01T00:00:00Z')}`);
  f.push(`"ctime":${str(n.ctime ?? '0001-01-01T00:00:00Z')}`);
  f.push(`"uid":${n.uid}`, `"gid":${n.gid}`);
  if (n.user) f.push(`"user":${str(n.user)}`);
  if (n.group) f.push(`"group":${str(n.group)}`);
  if (n.inode) f.push(`"inode":${n.inode}`);
  if (n.device_id) f.push(`"device_id":${n.device_id}`);
  if (n.size) f.push(`"size":${n.size}`);
  if (n.links) f.push(`"links":${n.links}`);
  if (n.linktarget) f.push(`"linktarget":${str(n.linktarget)}`);
  if (n.extended_attributes?.length) f.push(`"extended_attributes":${JSON.stringify(n.extended_attributes)}`);
  if (n.device) f.push(`"device":${n.device}`);
  f.push(`"content":${n.content === null ? 'null' : `[${n.content.map((c) => `"${c}"`).join(',')}]`}`);
  if (n.subtree) f.push(`"subtree":"${n.subtree}"`);
  if (n.error) f.push(`"error":${str(n.error)}`);
  return `{${f.join(',')}}`;
}

function compareNames(a: Node, b: Node): number {
  // Go compares strings bytewise; compare UTF-8 bytes, not UTF-16 units.
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

/** The bytes of a tree blob: nodes sorted by name, then a newline, as restic writes them. */
export function encodeTree(nodes: Node[]): Buffer {
  const sorted = [...nodes].sort(compareNames);
  return Buffer.from(`{"nodes":[${sorted.map(encodeNode).join(',')}]}\n`);
}

export function decodeTree(bytes: Uint8Array): Tree {
  const t = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Tree;
  if (!t || !Array.isArray(t.nodes)) throw new Error('tree blob holds no node list');
  for (const n of t.nodes) n.name = goUnquoteInner(n.name);
  return t;
}
