import path from 'node:path';
import type { Command, CommandContext } from '../command.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';

const DIR_OPTION = { dir: { type: 'string' } } as const;
const DIR_HELP = { dir: 'lab folder (else lab.dir of lifeboat.yaml, else $XDG_STATE_HOME/lifeboat/lab)' };

/** The lab folder: --dir, then lab.dir of the config file, then the XDG state folder. */
async function labDir(ctx: CommandContext): Promise<string> {
  if (typeof ctx.values.dir === 'string') return path.resolve(ctx.cwd, ctx.values.dir);
  const { defaultLabDir, loadEnvironmentConfig } = await import('../environment.ts');
  return loadEnvironmentConfig(ctx).config.lab?.dir ?? defaultLabDir(ctx.env);
}

function statusLines(services: { name: string; healthy: boolean; address: string; pid: number }[]): string[] {
  return services.map((s) => `${s.healthy ? 'OK  ' : 'DOWN'} ${s.name.padEnd(19)} ${s.address.padEnd(52)} pid ${s.pid}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const upCommand: Command = {
  name: 'up',
  summary: 'start the lab (etcd, dockerd, a registry, Prometheus, PostgreSQL) and leave it running',
  details: `Each service runs on a free loopback port in its own folder of the lab, with its log there.
The lab outlives the command; stop it with 'lifeboat lab down'. If a healthy lab already runs in
the folder, up says so and exits 0. The lab folder gets a lifeboat.yaml pointing at the services
(and the kubeconfig of the lab's API server); 'eval "$(lifeboat lab env)"' points the usual tools
(docker, etcdctl, psql, lifeboat) at them.`,
  options: { ...DIR_OPTION, quiet: { type: 'boolean', short: 'q' }, nodes: { type: 'string' } },
  optionHelp: { ...DIR_HELP, quiet: 'print nothing when all went well', nodes: 'how many nodes (lab-node-1..N), each with a kubelet running its pods (default 1)' },
  async run(ctx) {
    // dockerd, and PostgreSQL's switch to its own user, need root: say so before starting anything.
    if (process.getuid?.() !== 0) throw new UsageError("the lab runs dockerd and PostgreSQL, which need root: run it as root (e.g. 'sudo npm start' or 'sudo lifeboat lab up')");
    const dir = await labDir(ctx);
    const quiet = ctx.values.quiet === true;
    const nodes = ctx.values.nodes === undefined ? 1 : Number(ctx.values.nodes);
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 10) throw new CliError(`--nodes ${String(ctx.values.nodes)}: give a whole number of nodes from 1 to 10`, EXIT.usage);
    const { labStatus, readLabState, startLab, stopLab } = await import('../../lab/lab.ts');
    const { LabError } = await import('../../lab/process.ts');
    const before = await labStatus(dir);
    if (before && readLabState(dir)?.complete && before.every((s) => s.healthy)) {
      if (!quiet) ctx.out(`the lab is already up in ${dir} (${before.length} services healthy)`);
      return EXIT.ok;
    }
    if (before) {
      const down = before.filter((s) => !s.healthy).map((s) => s.name);
      ctx.err(`restarting the lab in ${dir}${down.length ? ` (${down.join(', ')} down)` : ' (it had not finished starting)'}`);
      await stopLab(dir);
    }
    const t0 = Date.now();
    let lab;
    try {
      lab = await startLab({
        dir,
        nodes,
        onProgress: (e) => {
          if (!quiet && e.phase === 'ready') ctx.err(`  ${e.service} ready (${seconds(e.ms)})`);
        },
      });
    } catch (e) {
      if (e instanceof LabError) throw new CliError(e.message.split('\n').join('\nlifeboat: '));
      throw e;
    }
    if (quiet) return EXIT.ok;
    ctx.out(`lab up in ${dir} (${seconds(Date.now() - t0)})`);
    for (const line of statusLines(lab.state.services.map((s) => ({ ...s, healthy: true })))) ctx.out(line);
    ctx.out(`config: ${lab.configFile}`);
    ctx.out(`use it: eval "$(lifeboat lab env${ctx.values.dir ? ` --dir ${dir}` : ''})"   stop it: lifeboat lab down${ctx.values.dir ? ` --dir ${dir}` : ''}`);
    ctx.out("(no 'lifeboat' on PATH? run 'npm link' in lifeboat's folder, or use 'node bin/lifeboat.js')");
    return EXIT.ok;
  },
};

const statusCommand: Command = {
  name: 'status',
  summary: 'show each lab service (and each node\'s kubelet), whether it is healthy, its address and pid, and the pods on each node',
  details: 'Exit code 1 when no lab runs in the folder or any service is down.',
  options: DIR_OPTION,
  optionHelp: DIR_HELP,
  async run(ctx) {
    const dir = await labDir(ctx);
    const { labStatus, readLabState } = await import('../../lab/lab.ts');
    const { labPods, podLines } = await import('../../lab/pods-status.ts');
    const services = await labStatus(dir);
    const healthy = services !== undefined && services.length > 0 && services.every((s) => s.healthy);
    const state = readLabState(dir);
    const nodes = state && services?.some((s) => s.name === 'kube-apiserver' && s.healthy) ? await labPods(state) : undefined;
    if (ctx.globals.json) {
      ctx.json({ dir, running: services !== undefined, healthy, services: services ?? [], nodes: nodes ?? [] });
      return healthy ? EXIT.ok : EXIT.failed;
    }
    if (!services) throw new CliError(`no lab in ${dir}: start one with 'lifeboat lab up${ctx.values.dir ? ` --dir ${dir}` : ''}'`);
    ctx.out(`lab in ${dir}`);
    for (const line of statusLines(services)) ctx.out(line);
    if (nodes?.length) {
      ctx.out('nodes and their pods:');
      for (const line of podLines(nodes)) ctx.out(line);
    }
    if (!healthy) ctx.err(`some services are down: see their logs in ${dir}, or restart with 'lifeboat lab up'`);
    return healthy ? EXIT.ok : EXIT.failed;
  },
};

const downCommand: Command = {
  name: 'down',
  summary: 'stop every lab service and leave no process behind (the folder and logs stay)',
  options: DIR_OPTION,
  optionHelp: DIR_HELP,
  async run(ctx) {
    const dir = await labDir(ctx);
    const { readLabState, stopLab } = await import('../../lab/lab.ts');
    if (!readLabState(dir)) {
      ctx.out(`no lab runs in ${dir}`);
      return EXIT.ok;
    }
    const t0 = Date.now();
    const report = await stopLab(dir);
    if (report.openPorts.length) {
      throw new CliError(`lab stopped, but ports ${report.openPorts.join(', ')} still listen: see 'ss -ltnp' for what holds them`);
    }
    ctx.out(`lab down in ${dir}: stopped ${report.stopped.join(', ') || 'nothing (all had exited)'} (${seconds(Date.now() - t0)})`);
    return EXIT.ok;
  },
};

const seedCommand: Command = {
  name: 'seed',
  summary: 'fill the lab with a realistic environment to back up (idempotent)',
  details: `Namespaces 'shop' (frontend and API Deployments, a PostgreSQL StatefulSet whose volume holds
real files, a CronJob, a bare Pod, ConfigMaps, Secrets, an Ingress, Services) and 'monitoring'
(the Prometheus configuration in a ConfigMap, a CRD with custom resources); images built and
pushed to the lab registry; Docker named volumes; a standalone container that keeps data in its
writable layer; rules in Prometheus; orders in PostgreSQL; products and stock moves (with a trigger, routines and an
event) in MariaDB; keys of every type with TTLs in Redis; objects with metadata in the app-data
bucket. What exists already is left alone.`,
  options: { ...DIR_OPTION, quiet: { type: 'boolean', short: 'q' } },
  optionHelp: { ...DIR_HELP, quiet: 'print nothing when all went well' },
  async run(ctx) {
    const dir = await labDir(ctx);
    const { labStatus, readLabState } = await import('../../lab/lab.ts');
    const state = readLabState(dir);
    const status = await labStatus(dir);
    if (!state || !status?.every((s) => s.healthy)) {
      throw new CliError(`no healthy lab in ${dir}: start it with 'lifeboat lab up${ctx.values.dir ? ` --dir ${dir}` : ''}'`);
    }
    const { seedServices } = await import('../../lab/seed/services.ts');
    const { seedKubernetes } = await import('../../lab/seed/kubernetes.ts');
    const t0 = Date.now();
    const services = Object.fromEntries(state.services.map((s) => [s.name, s]));
    const seeded = await seedServices(services);
    const stores = await (await import('../../lab/seed/data-stores.ts')).seedDataStores(services);
    const kube = await seedKubernetes(state.kubeconfig, dir, { registry: seeded.registry });
    if (ctx.values.quiet) return EXIT.ok;
    ctx.out(`lab seeded in ${seconds(Date.now() - t0)}: namespaces ${kube.namespaces.join(', ')} (${kube.created.length} objects created),`);
    ctx.out(`  images ${seeded.images.length} pushed to ${seeded.registry}, Docker volumes ${seeded.volumes.join(', ')}, containers ${seeded.containers.join(', ')}`);
    if (stores.length) ctx.out(`  ${stores.join('; ')}`);
    return EXIT.ok;
  },
};

const envCommand: Command = {
  name: 'env',
  summary: 'print shell export lines pointing docker, etcdctl, psql, kubectl and lifeboat at the lab',
  details: `Use: eval "$(lifeboat lab env)". Sets DOCKER_HOST, ETCDCTL_API, ETCDCTL_ENDPOINTS, KUBECONFIG
(when the lab has an API server), PGHOST, PGPORT, PGUSER, PGDATABASE and LIFEBOAT_CONFIG.`,
  options: DIR_OPTION,
  optionHelp: DIR_HELP,
  async run(ctx) {
    const dir = await labDir(ctx);
    const { exportLines, labEnv, readLabState } = await import('../../lab/lab.ts');
    const state = readLabState(dir);
    if (!state) throw new CliError(`no lab in ${dir}: start one with 'lifeboat lab up${ctx.values.dir ? ` --dir ${dir}` : ''}'`);
    const env = labEnv(state);
    if (ctx.globals.json) ctx.json(env);
    else ctx.out(exportLines(env));
    return EXIT.ok;
  },
};

/** `lifeboat lab`: the local lab of real services, for trying lifeboat and for the tests. */
export const labCommand: Command = {
  name: 'lab',
  summary: 'start, stop and show a local lab of real services to back up and restore',
  details: `The lab runs real etcd, dockerd, a container registry, Prometheus and PostgreSQL on loopback
ports, each in its own folder of the lab folder (default $XDG_STATE_HOME/lifeboat/lab).`,
  subcommands: [upCommand, seedCommand, statusCommand, downCommand, envCommand],
};
