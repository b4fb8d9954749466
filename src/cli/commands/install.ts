// `lifeboat install` / `lifeboat uninstall`: lifeboat in the cluster (controller, node agents,
// identities, the repository Secret), as `velero install` does; --dry-run -o yaml prints it.
import fs from 'node:fs';
import yaml from 'js-yaml';
import type { Command, CommandContext } from '../command.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { numberFlag } from '../flags.ts';
import { DEFAULT_IMAGE_REPO } from './image.ts';
import { CronError, parseCron } from '../../engine/cluster/cron.ts';

/** The KubeClient of the cluster the command line names (a usage error when none). */
export async function clusterClient(ctx: CommandContext) {
  const { loadEnvironment } = await import('../environment.ts');
  const { KubeClient } = await import('../../engine/kube/client.ts');
  const env = await loadEnvironment(ctx, { needCluster: true });
  return { kube: new KubeClient(env.kube!.kubeConfig), target: env.kube!, config: env };
}

/** The user's lifeboat.yaml for the pods: sources only (the cluster is the pod's own, the repository comes from the Secret). */
function podConfig(file: string | undefined): string {
  if (!file) return '{}\n';
  const doc = (yaml.load(fs.readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  for (const key of ['cluster', 'repository', 'lab']) delete doc[key];
  return yaml.dump(doc);
}

/** Checked here, so a bad expression is a usage error and not a CronJob that never runs. */
function maintenanceCron(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  try {
    parseCron(v);
  } catch (e) {
    if (e instanceof CronError) throw new UsageError(`--maintenance-cron: ${e.message}`);
    throw e;
  }
  return v;
}

export function namespaceFlag(ctx: CommandContext): string {
  const ns = (ctx.values.namespace as string | undefined) ?? 'lifeboat-system';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) throw new UsageError(`--namespace '${ns}' is not a valid namespace name: use lower-case letters, digits and '-'`);
  return ns;
}

const installCommand: Command = {
  name: 'install',
  summary: 'install lifeboat into the cluster: controller, an agent per node, identities, the repository Secret',
  details: `Applies (server-side) a namespace, the ServiceAccounts lifeboat-backup (read-only everywhere)
and lifeboat-restore (a separate role), a Secret with the repository password and S3 credentials,
a ConfigMap with the repository location and the sources of lifeboat.yaml, the WorkItem CRD, the
controller Deployment (one coordinator, holding a Lease) and the node-agent DaemonSet. Then waits
until the controller leads and an agent serves every node.
The repository must be one every node reaches (s3:...); it is made if it does not exist.
--dry-run prints the objects instead (-o yaml or json); secret values show as a placeholder
unless --show-secrets, and lifeboat refuses to run with the placeholder.`,
  options: {
    namespace: { type: 'string', short: 'n' },
    image: { type: 'string' },
    'image-pull-policy': { type: 'string' },
    'dry-run': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    'show-secrets': { type: 'boolean' },
    'metrics-port': { type: 'string' },
    'host-pods': { type: 'string' },
    timeout: { type: 'string' },
    'maintenance-cron': { type: 'string' },
  },
  optionHelp: {
    'maintenance-cron': 'when retention, prune and check run (default "0 4 * * *", UTC)',
    namespace: 'namespace to install into (default lifeboat-system)',
    image: "lifeboat image (default lifeboat:<version>, from 'lifeboat image build')",
    'image-pull-policy': 'IfNotPresent (default), Always or Never',
    'dry-run': 'print the objects, change nothing',
    output: 'with --dry-run: yaml (default) or json',
    'show-secrets': 'with --dry-run: print the secret values instead of a placeholder',
    'metrics-port': 'port of the controller\'s /metrics (default 8085)',
    'host-pods': "the nodes' pod volume folder the agents read (default /var/lib/kubelet/pods)",
    timeout: 'seconds to wait for the controller and the agents (default 300)',
  },
  async run(ctx) {
    const { installManifests, DEFAULT_METRICS_PORT } = await import('../../engine/cluster/manifests.ts');
    const { repositoryLocation, repositoryPassword, openRepository, asCliError } = await import('../repository-options.ts');
    const { loadEnvironmentConfig } = await import('../environment.ts');
    const { LIFEBOAT_VERSION } = await import('../../engine/version.ts');
    const namespace = namespaceFlag(ctx);
    const output = (ctx.values.output as string | undefined) ?? 'yaml';
    if (!['yaml', 'json'].includes(output)) throw new UsageError(`-o takes yaml or json, not '${output}'`);
    if (ctx.values.output !== undefined && !ctx.values['dry-run']) throw new UsageError('-o goes with --dry-run: add --dry-run to print the objects');
    if (ctx.values['show-secrets'] && !ctx.values['dry-run']) throw new UsageError('--show-secrets goes with --dry-run');
    const pull = (ctx.values['image-pull-policy'] as string | undefined) ?? 'IfNotPresent';
    if (!['IfNotPresent', 'Always', 'Never'].includes(pull)) throw new UsageError(`--image-pull-policy takes IfNotPresent, Always or Never, not '${pull}'`);
    const repository = repositoryLocation(ctx);
    if (!repository.startsWith('s3:')) {
      throw new UsageError(`the repository ${repository} is a folder on this machine, which the cluster's pods cannot reach: give an s3: repository with -r s3:http://host:port/bucket/prefix`);
    }
    const password = repositoryPassword(ctx);
    const objects = installManifests({
      namespace,
      image: (ctx.values.image as string | undefined) ?? `${DEFAULT_IMAGE_REPO}:${LIFEBOAT_VERSION}`,
      imagePullPolicy: pull as 'IfNotPresent',
      repository,
      password,
      s3: {
        accessKeyId: ctx.env.AWS_ACCESS_KEY_ID,
        secretAccessKey: ctx.env.AWS_SECRET_ACCESS_KEY,
        sessionToken: ctx.env.AWS_SESSION_TOKEN,
        endpoint: ctx.env.AWS_ENDPOINT_URL_S3 || ctx.env.AWS_ENDPOINT_URL,
        region: ctx.env.AWS_REGION || ctx.env.AWS_DEFAULT_REGION,
      },
      config: podConfig(loadEnvironmentConfig(ctx).file),
      metricsPort: numberFlag(ctx.values['metrics-port'], '--metrics-port', { min: 1, integer: true }) ?? DEFAULT_METRICS_PORT,
      hostPods: ctx.values['host-pods'] as string | undefined,
      maintenanceCron: maintenanceCron(ctx.values['maintenance-cron'] as string | undefined),
      installedAt: ctx.values['dry-run'] ? undefined : new Date().toISOString(),
      showSecrets: !ctx.values['dry-run'] || ctx.values['show-secrets'] === true,
    });
    if (ctx.values['dry-run']) {
      if (output === 'json') ctx.json({ apiVersion: 'v1', kind: 'List', items: objects });
      else ctx.stdout.write(objects.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true })).join('---\n'));
      return EXIT.ok;
    }
    const timeoutMs = (numberFlag(ctx.values.timeout, '--timeout', { min: 1 }) ?? 300) * 1000;
    // The repository exists before any pod writes into it (made here with the password given).
    const repo = await openRepository(ctx).catch(async (e) => {
      if (/no repository at|does not exist|not found/i.test((e as Error).message)) return openRepository(ctx, true);
      throw e;
    });
    await repo.close();
    const { kube, target } = await clusterClient(ctx);
    const { applyAll, waitInstalled } = await import('../../engine/cluster/install.ts');
    try {
      const { getObject } = await import('../../engine/cluster/apply.ts');
      if (await getObject(kube, '/apis/monitoring.coreos.com/v1')) {
        const { prometheusRule } = await import('../../engine/cluster/alerts.ts');
        const rpo = loadEnvironmentConfig(ctx).config.rpo;
        objects.push(prometheusRule(namespace, { rpoSeconds: rpo ? Math.round(rpo / 1000) : undefined }));
      }
      await applyAll(kube, objects, (what) => !ctx.globals.json && ctx.err(`applied ${what}`), ctx.signal);
      if (!ctx.globals.json) ctx.err(`waiting for the controller and an agent on every node (up to ${timeoutMs / 1000} s)...`);
      const ready = await waitInstalled(kube, namespace, timeoutMs, ctx.signal);
      if (ctx.globals.json) ctx.json({ namespace, cluster: target.server, repository, leader: ready.leader, agents: ready.agents });
      else {
        ctx.out(`lifeboat installed in ${namespace} on ${target.server}: controller ${ready.leader} leads; agents on ${ready.agents.map((a) => a.node).join(', ')}`);
        ctx.out(`repository ${repository}; next: 'lifeboat schedule create NAME --cron "0 2 * * *"'`);
      }
      return EXIT.ok;
    } catch (e) {
      throw e instanceof CliError ? e : new CliError(`install into ${namespace} failed: ${(asCliError(e) as Error).message}`);
    } finally {
      kube.close();
    }
  },
};

const uninstallCommand: Command = {
  name: 'uninstall',
  summary: 'remove lifeboat from the cluster (the repository and its snapshots stay)',
  options: { namespace: { type: 'string', short: 'n' }, timeout: { type: 'string' } },
  optionHelp: { namespace: 'namespace lifeboat is installed in (default lifeboat-system)', timeout: 'seconds to wait for the namespace to go (default 120)' },
  async run(ctx) {
    const namespace = namespaceFlag(ctx);
    const timeoutMs = (numberFlag(ctx.values.timeout, '--timeout', { min: 1 }) ?? 120) * 1000;
    const { kube, target } = await clusterClient(ctx);
    const { uninstall } = await import('../../engine/cluster/install.ts');
    try {
      const deleted = await uninstall(kube, namespace, timeoutMs, (what) => !ctx.globals.json && ctx.err(`deleted ${what}`), ctx.signal);
      if (ctx.globals.json) ctx.json({ namespace, deleted });
      else ctx.out(deleted.length ? `lifeboat removed from ${target.server} (${deleted.length} objects); the repository is untouched` : `lifeboat is not installed in ${target.server} (nothing in ${namespace})`);
      return EXIT.ok;
    } catch (e) {
      throw new CliError(`uninstall from ${namespace} failed: ${(e as Error).message}`);
    } finally {
      kube.close();
    }
  },
};

const controllerCommand: Command = {
  name: 'controller',
  summary: 'run the in-cluster controller (what the lifeboat-controller Deployment runs)',
  options: { 'metrics-port': { type: 'string' }, poll: { type: 'string' } },
  optionHelp: { 'metrics-port': 'port of /metrics and /healthz (default 8085)', poll: 'seconds between looks at the schedules\' runs (default 5)' },
  async run(ctx) {
    const { runController } = await import('../../engine/cluster/controller.ts');
    const { DEFAULT_METRICS_PORT } = await import('../../engine/cluster/manifests.ts');
    const { KubeClient } = await import('../../engine/kube/client.ts');
    const { loadEnvironment } = await import('../environment.ts');
    const { repositoryPassword } = await import('../repository-options.ts');
    repositoryPassword(ctx); // refuses the dry-run placeholder at once
    const env = await loadEnvironment(ctx, { needCluster: true });
    const namespace = ctx.env.POD_NAMESPACE || 'lifeboat-system';
    const { listSchedules } = await import('../../engine/cluster/schedules.ts');
    const { scheduleMetrics, FailureCounter } = await import('../../engine/cluster/metrics.ts');
    const { listObjects } = await import('../../engine/cluster/apply.ts');
    const failures = new FailureCounter();
    let metrics = '';
    const pollMs = (numberFlag(ctx.values.poll, '--poll', { min: 0.1 }) ?? 5) * 1000;
    await runController({
      metrics: () => metrics,
      // The leader watches the schedules' runs and turns them into metrics.
      lead: async (leading) => {
        while (!leading.aborted) {
          const kube = new KubeClient(env.kube!.kubeConfig);
          try {
            const schedules = await listSchedules(kube, namespace);
            const items = await listObjects(kube, `/apis/lifeboat.dev/v1alpha1/namespaces/${namespace}/workitems`);
            metrics = scheduleMetrics(schedules, failures, items.map((w) => ({ node: w.spec?.node, phase: w.status?.phase })));
          } catch (e) {
            ctx.err(`${new Date().toISOString()} metrics: ${(e as Error).message}`);
          } finally {
            kube.close();
          }
          await new Promise<void>((r) => {
            const t = setTimeout(r, pollMs);
            leading.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
          });
        }
        metrics = '';
      },
      kube: () => new KubeClient(env.kube!.kubeConfig),
      namespace,
      identity: ctx.env.POD_NAME || `controller-${process.pid}`,
      port: numberFlag(ctx.values['metrics-port'], '--metrics-port', { min: 1, integer: true }) ?? DEFAULT_METRICS_PORT,
      signal: ctx.signal,
      log: (line) => ctx.err(`${new Date().toISOString()} ${line}`),
    });
    return EXIT.ok;
  },
};

const agentCommand: Command = {
  name: 'agent',
  summary: "run a node agent (what the lifeboat-node-agent DaemonSet runs on each node)",
  options: { node: { type: 'string' } },
  optionHelp: { node: 'the node this agent serves (default $NODE_NAME)' },
  async run(ctx) {
    const { runAgent } = await import('../../engine/cluster/agent.ts');
    const { KubeClient } = await import('../../engine/kube/client.ts');
    const { loadEnvironment } = await import('../environment.ts');
    const { repositoryPassword } = await import('../repository-options.ts');
    repositoryPassword(ctx);
    const node = (ctx.values.node as string | undefined) ?? ctx.env.NODE_NAME;
    if (!node) throw new UsageError('the agent needs its node: --node NAME or $NODE_NAME (the DaemonSet sets it from spec.nodeName)');
    const env = await loadEnvironment(ctx, { needCluster: true });
    await runAgent({
      kube: () => new KubeClient(env.kube!.kubeConfig),
      namespace: ctx.env.POD_NAMESPACE || 'lifeboat-system',
      node,
      identity: ctx.env.POD_NAME || `agent-${node}-${process.pid}`,
      signal: ctx.signal,
      log: (line) => ctx.err(`${new Date().toISOString()} ${line}`),
    });
    return EXIT.ok;
  },
};

export const clusterCommands: Command[] = [installCommand, uninstallCommand, controllerCommand, agentCommand];
