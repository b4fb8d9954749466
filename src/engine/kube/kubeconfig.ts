import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { mention } from '../mentions.ts';

/** A kubeconfig problem, said in one line with the fix. */
export class KubeconfigError extends Error {}

export interface KubeTarget {
  /** The kubeconfig file(s) read, in kubectl's merge order. */
  files: string[];
  /** Where the choice came from, for `lifeboat info`. */
  source: '--kubeconfig' | 'KUBECONFIG' | 'config file' | '~/.kube/config' | 'in-cluster';
  context: string;
  cluster: string;
  server: string;
  user: string;
  /** Ready to build API clients; holds credentials, so never print it. */
  kubeConfig: KubeConfig;
}

export interface KubeTargetOptions {
  flag?: string;
  contextFlag?: string;
  env: NodeJS.ProcessEnv;
  configKubeconfig?: string;
  configContext?: string;
}

/** The kubeconfig files to read, as kubectl picks them: flag, $KUBECONFIG, config file, home. */
export function kubeconfigFiles(opts: KubeTargetOptions): { files: string[]; source: KubeTarget['source']; explicit: boolean } | undefined {
  if (opts.flag) return { files: [opts.flag], source: '--kubeconfig', explicit: true };
  if (opts.env.KUBECONFIG) {
    const files = opts.env.KUBECONFIG.split(':').filter(Boolean);
    return { files, source: 'KUBECONFIG', explicit: true };
  }
  if (opts.configKubeconfig) return { files: [opts.configKubeconfig], source: 'config file', explicit: true };
  const home = path.join(opts.env.HOME || os.homedir(), '.kube', 'config');
  return fs.existsSync(home) ? { files: [home], source: '~/.kube/config', explicit: false } : undefined;
}

/**
 * Resolves which cluster lifeboat talks to. Returns undefined when nothing names a cluster
 * (no flag, no KUBECONFIG, no config entry, no ~/.kube/config).
 */
export function resolveKubeTarget(opts: KubeTargetOptions): KubeTarget | undefined {
  const found = kubeconfigFiles(opts);
  if (!found) return inClusterTarget(opts.env);
  const present = found.files.filter((f) => fs.existsSync(f));
  if (present.length === 0) {
    const f = found.files.join(':');
    throw new KubeconfigError(
      `kubeconfig ${f} (from ${found.source}) does not exist: pass ${mention('kubeconfig', 'PATH')}, set KUBECONFIG, or start the lab with ${mention('labUp')}`,
    );
  }
  const kc = new KubeConfig();
  try {
    if (present.length === 1) kc.loadFromFile(present[0]!);
    else {
      // kubectl merges KUBECONFIG lists: the first file to set a value wins.
      const merged = new KubeConfig();
      for (const file of present.reverse()) {
        const one = new KubeConfig();
        one.loadFromFile(file);
        merged.mergeConfig(one, false);
        if (one.currentContext) merged.setCurrentContext(one.currentContext);
      }
      kc.loadFromString(merged.exportConfig());
    }
  } catch (e) {
    throw new KubeconfigError(`kubeconfig ${present.join(':')} cannot be read: ${(e as Error).message.split('\n')[0]}`);
  }
  const contextName = opts.contextFlag ?? opts.configContext ?? kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  if (!context) {
    const names = kc.getContexts().map((c) => c.name);
    throw new KubeconfigError(
      `context '${contextName}' is not in ${present.join(':')}: use ${mention('context')} with one of ${names.join(', ') || '(none)'}`,
    );
  }
  kc.setCurrentContext(context.name);
  const cluster = kc.getCluster(context.cluster);
  if (!cluster) throw new KubeconfigError(`context '${context.name}' names cluster '${context.cluster}', which ${present.join(':')} does not define`);
  return {
    files: present,
    source: found.source,
    context: context.name,
    cluster: cluster.name,
    server: cluster.server,
    user: context.user,
    kubeConfig: kc,
  };
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Inside a pod with nothing else named, the pod's service account, as kubectl and client-go do
 * (KUBERNETES_SERVICE_HOST/PORT and the mounted token and CA).
 */
function inClusterTarget(env: NodeJS.ProcessEnv): KubeTarget | undefined {
  if (!env.KUBERNETES_SERVICE_HOST || !fs.existsSync(path.join(SERVICE_ACCOUNT_DIR, 'token'))) return undefined;
  const kc = new KubeConfig();
  kc.loadFromCluster();
  const cluster = kc.getCurrentCluster()!;
  return { files: [], source: 'in-cluster', context: kc.getCurrentContext(), cluster: cluster.name, server: cluster.server, user: kc.getCurrentUser()?.name ?? 'inClusterUser', kubeConfig: kc };
}
