// What a tree's nodes must be, for `repo check`: restic's checker rules (internal/checker:
// node with empty name, invalid type, file with nil blob list or null blob id, dir without a
// subtree) and more, since a restore takes these names and modes to disk: names that are not one
// plain component ("." "..", "/", NUL), a name twice in one tree, a mode whose type bits say
// another type, blob ids that are not ids or name a blob of the other type, and a file size
// other than the sum of its blobs (restic 0.14 records the bytes it read).
import { duplicateNames, unsafeNameReason } from './contain.ts';
import { OVERHEAD } from './crypto.ts';
import type { MasterIndex } from './master-index.ts';
import { GO_MODE, type Node } from './tree.ts';

const ID = /^[0-9a-f]{64}$/;
const NULL_ID = '0'.repeat(64);
const TYPES = new Set(['file', 'dir', 'symlink', 'dev', 'chardev', 'fifo', 'socket']);
const TYPE_BITS = GO_MODE.dir | GO_MODE.symlink | GO_MODE.device | GO_MODE.namedPipe | GO_MODE.socket | GO_MODE.charDevice;

/** The type bits a node of `type` has in its Go os.FileMode. */
function expectedTypeBits(type: string): number | undefined {
  switch (type) {
    case 'file': return 0;
    case 'dir': return GO_MODE.dir;
    case 'symlink': return GO_MODE.symlink;
    case 'fifo': return GO_MODE.namedPipe;
    case 'socket': return GO_MODE.socket;
    case 'dev': return GO_MODE.device;
    case 'chardev': return GO_MODE.device | GO_MODE.charDevice;
    default: return undefined;
  }
}

/** One line per problem with the nodes of one tree. */
export function nodeProblems(nodes: Node[], index: MasterIndex): string[] {
  const out: string[] = [];
  const dup = duplicateNames(nodes.map((n) => n.name));
  for (const name of dup) out.push(`node name ${JSON.stringify(name)} appears more than once`);
  for (const n of nodes) {
    const q = JSON.stringify(n.name);
    if (n.name === '') out.push('node with empty name');
    else {
      const why = unsafeNameReason(n.name);
      if (why) out.push(`node ${q}: ${why} is not a file name (a restore refuses it)`);
    }
    if (!TYPES.has(n.type)) {
      out.push(`node ${q} with invalid type ${JSON.stringify(n.type)}`);
      continue;
    }
    const bits = expectedTypeBits(n.type)!;
    if (typeof n.mode === 'number' && ((n.mode >>> 0) & TYPE_BITS) >>> 0 !== bits >>> 0) out.push(`node ${q}: its mode ${(n.mode >>> 0).toString(8)} says another type than ${n.type}`);
    if (n.type === 'file') {
      if (!Array.isArray(n.content)) {
        out.push(`file ${q} has nil blob list`);
        continue;
      }
      let bytes = 0;
      let known = true;
      n.content.forEach((id, i) => {
        if (typeof id !== 'string' || !ID.test(id)) {
          out.push(`file ${q} blob ${i} has an invalid ID ${JSON.stringify(id)}`);
          known = false;
        } else if (id === NULL_ID) {
          out.push(`file ${q} blob ${i} has null ID`);
          known = false;
        } else {
          const e = index.lookup(id);
          if (!e) known = false;
          else if (e.type !== 'data') {
            out.push(`file ${q} blob ${id} is a ${e.type} blob, not data`);
            known = false;
          } else bytes += e.uncompressedLength || e.length - OVERHEAD;
        }
      });
      if (known && bytes !== (n.size ?? 0)) out.push(`file ${q}: size ${n.size ?? 0}, its blobs hold ${bytes} bytes`);
    } else if (n.type === 'dir') {
      if (n.subtree === undefined || n.subtree === null) out.push(`dir node ${q} has no subtree`);
      else if (typeof n.subtree !== 'string' || !ID.test(n.subtree)) out.push(`dir node ${q} subtree id ${JSON.stringify(n.subtree)} is not an id`);
      else if (n.subtree === NULL_ID) out.push(`dir node ${q} subtree id is null`);
      else if (index.lookup(n.subtree) && index.lookup(n.subtree)!.type !== 'tree') out.push(`dir node ${q} subtree ${n.subtree} is a data blob, not a tree`);
    }
  }
  return out;
}
