// The corpus of real-world install manifests (test/corpus, described in corpus.json and README.md)
// for the round-trip and API-server fidelity tests. It refuses to hand out anything it cannot vouch
// for: a file without a source entry, bytes that differ from the recorded upstream ones, a document
// that does not parse, a placeholder left unfilled.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import yaml from 'js-yaml';

export const CORPUS_ROOT = dirname(fileURLToPath(import.meta.url));
// Scopes of the built-in kinds, from the kube-apiserver discovery documents the lab serves.
const DISCOVERY_DIR = join(CORPUS_ROOT, '..', '..', 'src', 'lab', 'kube-apiserver', 'discovery');
const PLACEHOLDER = /__LIFEBOAT_[A-Z0-9_]+__/g;

export class CorpusError extends Error {
  override name = 'CorpusError';
}

export interface CorpusStep {
  /** kubectl's arguments as the documentation gives them; a path after -f is relative to the set. */
  kubectl: string[];
}

export interface CorpusFile {
  path: string;
  /** Where the bytes are kept under the set's folder when not at `path` (gzip-compressed files). */
  stored?: string;
  bytes: number;
  sha256: string;
  url?: string;
  raw?: string;
  objects: number;
  /** false for a file the documented command reads but that holds no API object (kustomization.yaml). */
  apiObjects?: false;
  expect: string;
  note?: string;
}

export interface CorpusWebhook {
  configuration: string;
  webhook: string;
  failurePolicy: 'Fail' | 'Ignore';
  service: string;
  guards: string;
  namespaceSelector?: unknown;
}

export interface CorpusSet {
  id: string;
  project: string;
  origin: 'upstream' | 'lifeboat';
  dir: string;
  repository?: string;
  sourcePath?: Record<string, string>;
  version: string;
  commit?: string;
  license: string;
  publishedAs?: string;
  provenance?: string;
  docs: { url: string; commands: string[] };
  /** Namespace of namespaced objects that name none: the -n of the documented command, else default. */
  defaultNamespace: string;
  /** Namespace the documentation makes with kubectl create namespace before applying. */
  createNamespace?: string;
  steps: CorpusStep[];
  dependsOn: string[];
  notes: string[];
  files: CorpusFile[];
  webhooks?: CorpusWebhook[];
  clientSideApplyRefused?: { kind: string; name: string; file: string; lastAppliedBytes: number }[];
  objects: number;
}

export interface Corpus {
  root: string;
  kubernetesVersion: string;
  annotationLimitBytes: number;
  placeholders: Record<string, string>;
  sets: CorpusSet[];
  totalObjects: number;
}

export interface CorpusObject {
  set: string;
  file: string;
  /** Position of the document in its file (from 0, empty documents not counted). */
  document: number;
  apiVersion: string;
  kind: string;
  /** Where the documented command puts it; undefined for cluster-scoped kinds. */
  namespace?: string;
  name: string;
  object: Record<string, unknown>;
}

/** Values for the placeholders of corpus.json (`__LIFEBOAT_HOSTPATH__`...). */
export type PlaceholderValues = Record<string, string>;

export function loadCorpus(root: string = CORPUS_ROOT): Corpus {
  const index = join(root, 'corpus.json');
  if (!existsSync(index)) throw new CorpusError(`${index} is missing: the corpus has no index of its files`);
  let corpus: Corpus;
  try {
    corpus = { ...JSON.parse(readFileSync(index, 'utf8')), root };
  } catch (err) {
    throw new CorpusError(`${index} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(corpus.sets)) throw new CorpusError(`${index} has no "sets" list`);
  const ids = new Set<string>();
  for (const set of corpus.sets) {
    if (ids.has(set.id)) throw new CorpusError(`${index}: set ${set.id} is listed twice`);
    ids.add(set.id);
    checkSet(corpus, set);
  }
  for (const set of corpus.sets) {
    for (const dep of set.dependsOn ?? []) {
      if (!ids.has(dep)) throw new CorpusError(`set ${set.id} depends on ${dep}, which corpus.json does not list`);
    }
  }
  return corpus;
}

function checkSet(corpus: Corpus, set: CorpusSet): void {
  const where = `corpus.json set ${set.id}`;
  for (const field of ['project', 'origin', 'dir', 'version', 'license', 'defaultNamespace'] as const) {
    if (!set[field]) throw new CorpusError(`${where} has no ${field}`);
  }
  if (set.origin === 'upstream' && (!set.repository || !/^[0-9a-f]{40}$/.test(set.commit ?? ''))) {
    throw new CorpusError(`${where} is upstream but names no repository and 40-hex commit`);
  }
  if (!set.docs?.url || !set.docs.commands?.length) throw new CorpusError(`${where} does not say how its documentation applies it`);
  if (!set.steps?.length) throw new CorpusError(`${where} has no steps (the kubectl commands that apply it)`);
  const dir = join(corpus.root, set.dir);
  if (!existsSync(dir)) {
    const hint = set.origin === 'upstream' ? ' (upstream files come in through shared/; see test/corpus/README.md)' : '';
    throw new CorpusError(`${dir} is missing: ${where} keeps its files there${hint}`);
  }
  const listed = new Map<string, CorpusFile>();
  for (const file of set.files) {
    if (!file.sha256 || !file.expect) throw new CorpusError(`${where}: ${file.path} has no sha256 or expect`);
    if (set.origin === 'upstream' && !file.url) throw new CorpusError(`${where}: ${file.path} has no source url`);
    listed.set(file.stored ?? file.path, file);
  }
  for (const onDisk of walk(dir)) {
    const rel = relative(dir, onDisk).split(sep).join('/');
    if (!listed.has(rel)) {
      throw new CorpusError(`${join(set.dir, rel)} has no entry in corpus.json (set ${set.id}): add its source, or remove the file`);
    }
  }
  for (const file of set.files) {
    const bytes = readCorpusBytes(corpus, set, file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== file.sha256 || bytes.length !== file.bytes) {
      throw new CorpusError(`${join(set.dir, file.path)} is not the file corpus.json records (${bytes.length} bytes, sha256 ${sha}); upstream files are kept byte for byte`);
    }
  }
  for (const step of set.steps) {
    for (const path of fileArgs(step)) {
      if (path !== '.' && !set.files.some((f) => f.path === path || f.path.startsWith(`${path}/`))) {
        throw new CorpusError(`${where}: step "kubectl ${step.kubectl.join(' ')}" names ${path}, which holds no file of the set`);
      }
    }
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function fileArgs(step: CorpusStep): string[] {
  return step.kubectl.flatMap((arg, i) => (step.kubectl[i - 1] === '-f' ? [arg] : []));
}

export function findSet(corpus: Corpus, id: string): CorpusSet {
  const set = corpus.sets.find((s) => s.id === id);
  if (!set) throw new CorpusError(`no corpus set ${id}; the sets are ${corpus.sets.map((s) => s.id).join(', ')}`);
  return set;
}

function readCorpusBytes(corpus: Corpus, set: CorpusSet, file: CorpusFile): Buffer {
  const stored = join(corpus.root, set.dir, file.stored ?? file.path);
  if (!existsSync(stored)) throw new CorpusError(`${stored} is missing (listed in corpus.json, set ${set.id})`);
  const bytes = readFileSync(stored);
  if (!stored.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new CorpusError(`${stored} does not decompress: ${(err as Error).message}`);
  }
}

/** A file's text as published (decompressed), placeholders filled when values are given. */
export function readCorpusFile(corpus: Corpus, set: CorpusSet, file: CorpusFile, values?: PlaceholderValues): string {
  const text = readCorpusBytes(corpus, set, file).toString('utf8');
  return values ? fillPlaceholders(corpus, `${set.dir}/${file.path}`, text, values) : text;
}

function fillPlaceholders(corpus: Corpus, where: string, text: string, values: PlaceholderValues): string {
  return text.replace(PLACEHOLDER, (token) => {
    if (!(token in (corpus.placeholders ?? {}))) throw new CorpusError(`${where} uses ${token}, which corpus.json does not declare`);
    const value = values[token];
    if (value === undefined || value === '') {
      throw new CorpusError(`${where} needs a value for ${token} (${corpus.placeholders[token]})`);
    }
    return value;
  });
}

/** Every document of the file, empty ones skipped; throws naming the file and document that does not parse. */
export function parseCorpusFile(
  corpus: Corpus,
  set: CorpusSet,
  file: CorpusFile,
  values?: PlaceholderValues,
): Record<string, unknown>[] {
  const text = readCorpusFile(corpus, set, file, values);
  const docs: Record<string, unknown>[] = [];
  let n = 0;
  try {
    yaml.loadAll(text, (doc) => {
      n++;
      if (doc === null || doc === undefined) return;
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`document ${n} is not a mapping`);
      docs.push(doc as Record<string, unknown>);
    });
  } catch (err) {
    throw new CorpusError(`${set.dir}/${file.path}: a document does not parse: ${(err as Error).message}`);
  }
  return docs;
}

/** The API objects of the given sets (all by default) in apply order; List kinds unwrapped. */
export function corpusObjects(
  corpus: Corpus,
  options: { sets?: string[]; values?: PlaceholderValues } = {},
): CorpusObject[] {
  const sets = options.sets ? options.sets.map((id) => findSet(corpus, id)) : corpus.sets;
  const parsed = sets.map((set) => ({
    set,
    files: set.files
      .filter((f) => f.apiObjects !== false)
      .map((file) => ({ file, docs: parseCorpusFile(corpus, set, file, options.values) })),
  }));
  const scopes = scopeTable(corpus);
  const out: CorpusObject[] = [];
  for (const { set, files } of parsed) {
    for (const { file, docs } of files) {
      docs.forEach((doc, document) => {
        const items = isList(doc) ? (doc.items as Record<string, unknown>[]) : [doc];
        for (const object of items) out.push(describe(set, file, document, object, scopes));
      });
    }
  }
  return out;
}

function isList(doc: Record<string, unknown>): boolean {
  return typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items);
}

function describe(
  set: CorpusSet,
  file: CorpusFile,
  document: number,
  object: Record<string, unknown>,
  scopes: Map<string, boolean>,
): CorpusObject {
  const where = `${set.dir}/${file.path} document ${document}`;
  const { apiVersion, kind } = object;
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !metadata.name) {
    throw new CorpusError(`${where} is not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
  }
  const key = `${groupOf(apiVersion)}/${kind}`;
  const namespaced = scopes.get(key);
  if (namespaced === undefined) {
    throw new CorpusError(`${where}: ${key} is neither a kind of the discovery documents nor a CRD of the corpus`);
  }
  const namespace = namespaced ? (metadata.namespace ?? set.defaultNamespace) : undefined;
  return { set: set.id, file: file.path, document, apiVersion, kind, namespace, name: metadata.name, object };
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

let builtinScopes: Map<string, boolean> | undefined;
const scopeTables = new WeakMap<Corpus, Map<string, boolean>>();

function scopeTable(corpus: Corpus): Map<string, boolean> {
  const known = scopeTables.get(corpus);
  if (known) return known;
  if (!builtinScopes) {
    builtinScopes = new Map();
    for (const name of readdirSync(DISCOVERY_DIR).filter((n) => /^apis?__.*__|^api__v1\.json$/.test(n))) {
      const doc = JSON.parse(readFileSync(join(DISCOVERY_DIR, name), 'utf8')) as {
        groupVersion?: string;
        resources?: { name: string; kind: string; namespaced: boolean }[];
      };
      const group = doc.groupVersion ? groupOf(doc.groupVersion) : '';
      for (const r of doc.resources ?? []) if (!r.name.includes('/')) builtinScopes.set(`${group}/${r.kind}`, r.namespaced);
    }
  }
  const scopes = new Map(builtinScopes);
  for (const set of corpus.sets) {
    for (const file of set.files.filter((f) => f.apiObjects !== false)) {
      for (const doc of parseCorpusFile(corpus, set, file)) {
        if (doc.kind !== 'CustomResourceDefinition') continue;
        const spec = doc.spec as { group: string; scope: string; names: { kind: string } };
        scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Namespaced');
      }
    }
  }
  scopeTables.set(corpus, scopes);
  return scopes;
}

/** Objects per kind, e.g. { Deployment: 17, ... }. */
export function countByKind(objects: CorpusObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

/**
 * Writes a set's files under dir as the documentation's commands expect them (decompressed,
 * placeholders filled) and returns those commands with their -f paths pointing there.
 */
export function writeSetFiles(
  corpus: Corpus,
  id: string,
  dir: string,
  values: PlaceholderValues = {},
): { dir: string; commands: string[][] } {
  const set = findSet(corpus, id);
  for (const file of set.files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readCorpusFile(corpus, set, file, values));
  }
  const commands = set.steps.map((step) =>
    step.kubectl.map((arg, i) => (step.kubectl[i - 1] === '-f' ? join(dir, arg) : arg)),
  );
  return { dir, commands };
}

/**
 * Size of the kubectl.kubernetes.io/last-applied-configuration value client-side apply would
 * write: the object as compact JSON, with Go's escaping of <, > and & as \u003c... (6 bytes each).
 */
export function lastAppliedBytes(object: unknown): number {
  const json = JSON.stringify(object);
  return Buffer.byteLength(json) + 5 * (json.match(/[<>&]/g)?.length ?? 0);
}

/** Kubernetes' order of API versions, highest first: the engine's own, so the corpus and lifeboat never disagree. */
export { compareKubeVersions } from '../../src/engine/kube/discovery.ts';
