// What the engine's messages tell a person to change or to run, named by what it is, never by a
// flag or a command line: `mention('namespaceMap')` in a message, and the CLI says it as
// `--namespace-map`, the TUI as the field of its wizard (cli/mention-words.ts). What is never
// worded by a front end (a manifest stored in a snapshot) gets the plain words below.

export const MENTIONS = {
  // settings of a restore
  namespaceMap: 'the namespace map',
  storageClassMap: 'the storage-class map',
  registryMap: 'the registry map',
  bucketMap: 'the bucket map',
  databaseMap: 'the database map',
  existingPolicy: 'the policy for what exists',
  volumeTarget: 'a folder to restore volumes into',
  prometheusTarget: 'a folder to write Prometheus files into',
  etcdDataDir: 'a new etcd data directory',
  targetContext: 'a target context',
  restoreSources: 'the sources to restore',
  // settings of every command
  requestTimeout: 'the request timeout',
  repositoryPassword: 'the repository password',
  kubeconfig: 'a kubeconfig',
  context: 'a kubeconfig context',
  // what to run
  repoInit: 'making a repository there',
  repoCheck: 'a repository check',
  repoRebuildIndex: 'an index rebuild of the repository',
  repoPrune: 'a prune of the repository',
  repoLs: 'the listing of the snapshot',
  snapshots: 'the list of snapshots',
  labUp: 'the lab',
} as const;

export type Mention = keyof typeof MENTIONS;
/** Says one mention; `value` is what the message gives with it (`skip`, `DIR`, a snapshot id). */
export type MentionWords = (mention: Mention, value?: string) => string;

const OPEN = '\u27e6';
const CLOSE = '\u27e7';
const MENTION = new RegExp(`${OPEN}([A-Za-z]+)(?: ([^${CLOSE}]*))?${CLOSE}`, 'g');

/** A mention inside a message: worded by whoever shows the message. */
export function mention(what: Mention, value?: string): string {
  return `${OPEN}${what}${value === undefined ? '' : ` ${value}`}${CLOSE}`;
}

/** The plain words: the mention's name, and its value after it. */
export const PLAIN_WORDS: MentionWords = (m, value) => (value === undefined ? MENTIONS[m] : `${MENTIONS[m]} (${value})`);

/** `text` with each mention said by `words`. */
export function wordMentions(text: string, words: MentionWords): string {
  if (!text.includes(OPEN)) return text;
  return text.replace(MENTION, (whole, m: string, value?: string) => (m in MENTIONS ? words(m as Mention, value) : whole));
}

/** A copy of plain data (a plan, a report, a manifest) with every mention in its strings worded. */
export function wordAll<T>(value: T, words: MentionWords): T {
  if (typeof value === 'string') return wordMentions(value, words) as T;
  if (Array.isArray(value)) return value.map((v) => wordAll(v, words)) as T;
  if (value && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wordAll(v, words)])) as T;
  }
  return value;
}
