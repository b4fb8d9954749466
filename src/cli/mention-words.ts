// How the command line says what the engine's messages mention (engine/mentions.ts): as the
// flag that sets it, or the command that does it. The TUI's words are in tui-words below.
import { wordMentions, type Mention, type MentionWords } from '../engine/mentions.ts';

const FLAGS: Record<Mention, (value?: string) => string> = {
  namespaceMap: () => '--namespace-map',
  storageClassMap: () => '--storage-class-map',
  registryMap: () => '--registry-map',
  bucketMap: () => '--bucket-map',
  databaseMap: () => '--database-map',
  existingPolicy: (v) => `--existing-resource-policy${v ? ` ${v}` : ''}`,
  volumeTarget: (v) => `--volume-target${v ? ` ${v}` : ''}`,
  prometheusTarget: (v) => `--prometheus-target${v ? ` ${v}` : ''}`,
  etcdDataDir: (v) => `--etcd-data-dir${v ? ` ${v}` : ''}`,
  targetContext: () => '--target-context',
  restoreSources: () => '--only',
  requestTimeout: () => '--request-timeout',
  repositoryPassword: () => '--password-file or LIFEBOAT_PASSWORD',
  kubeconfig: (v) => `--kubeconfig${v ? ` ${v}` : ''}`,
  context: () => '--context',
  repoInit: () => "'lifeboat repo init'",
  repoCheck: () => "'lifeboat repo check'",
  repoRebuildIndex: () => "'lifeboat repo rebuild-index'",
  repoPrune: () => "'lifeboat repo prune'",
  repoLs: (v) => `'lifeboat repo ls${v ? ` ${v}` : ''}'`,
  snapshots: () => "'lifeboat snapshots'",
  labUp: () => "'lifeboat lab up'",
};

/** The command line's words. */
export const CLI_WORDS: MentionWords = (m, value) => FLAGS[m](value);

/** A stream whose written text has the engine's mentions said in the command line's words. */
export function cliWorded<S extends NodeJS.WritableStream>(stream: S): S {
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') {
        return (chunk: unknown, ...rest: unknown[]) => (target.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? wordMentions(chunk, CLI_WORDS) : chunk, ...rest);
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const TUI: Record<Mention, (value?: string) => string> = {
  namespaceMap: () => 'namespace map',
  storageClassMap: () => 'storage-class map',
  registryMap: () => 'registry map',
  bucketMap: () => 'bucket map (lifeboat restore --bucket-map)',
  databaseMap: () => 'database map (lifeboat restore --database-map)',
  existingPolicy: (v) => `if it exists: ${v ?? 'skip, update or recreate'}`,
  volumeTarget: (v) => `a volume target folder${v ? ` ${v}` : ''} (lifeboat restore --volume-target)`,
  prometheusTarget: (v) => `a Prometheus target folder${v ? ` ${v}` : ''} (lifeboat restore --prometheus-target)`,
  etcdDataDir: (v) => `a new etcd data directory${v ? ` ${v}` : ''} (lifeboat restore --etcd-data-dir)`,
  targetContext: () => 'target context',
  restoreSources: () => 'what to restore',
  requestTimeout: () => 'the request timeout (lifeboat --request-timeout)',
  repositoryPassword: () => 'the password file or LIFEBOAT_PASSWORD',
  kubeconfig: (v) => `a kubeconfig${v ? ` ${v}` : ''}`,
  context: () => 'a kubeconfig context',
  repoInit: () => 'lifeboat repo init (in a shell)',
  repoCheck: () => 'lifeboat repo check (in a shell)',
  repoRebuildIndex: () => 'lifeboat repo rebuild-index (in a shell)',
  repoPrune: () => 'lifeboat repo prune (in a shell)',
  repoLs: (v) => `lifeboat repo ls${v ? ` ${v}` : ''} (in a shell)`,
  snapshots: () => 'the backups screen (:backups)',
  labUp: () => 'lifeboat lab up (in a shell)',
};

/** The TUI's words: the wizard's fields and screens, and the command to type in a shell for what it cannot do. */
export const TUI_WORDS: MentionWords = (m, value) => TUI[m](value);
