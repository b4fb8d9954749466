/** Starts the in-process controllers on the cache's events. */
import type { Cache } from '../cache.ts';
import type { ObjectApi } from '../objects.ts';
import { bootstrap, namespaceDefaultsController } from './bootstrap.ts';
import { ControllerContext, type Controller, type ControllerOptions, WorkQueue } from './framework.ts';
import { cronJobController, jobController } from './batch.ts';
import { garbageCollector } from './gc.ts';
import { kubelet } from './pods.ts';
import { endpointsController } from './services.ts';
import { clusterRoleAggregator } from './rbac.ts';
import { tokenController } from './tokens.ts';
import { provisioner, reclaimer } from './volumes.ts';
import { daemonSetController, deploymentController, replicaSetController, replicationControllerController, statefulSetController } from './workloads.ts';

export interface Controllers {
  stop(): Promise<void>;
  idle(): Promise<void>;
}

export async function startControllers(api: ObjectApi, cache: Cache, options: ControllerOptions): Promise<Controllers> {
  const ctx = new ControllerContext(api, cache, options);
  await bootstrap(ctx);
  const controllers: Controller[] = [
    garbageCollector(ctx),
    namespaceDefaultsController(ctx),
    deploymentController(ctx),
    replicaSetController(ctx),
    replicationControllerController(ctx),
    statefulSetController(ctx),
    daemonSetController(ctx),
    jobController(ctx),
    cronJobController(ctx),
    kubelet(ctx),
    endpointsController(ctx),
    provisioner(ctx),
    reclaimer(ctx),
    clusterRoleAggregator(ctx),
    tokenController(ctx),
  ];
  const queue = new WorkQueue(ctx);
  cache.on((e) => {
    for (const c of controllers) for (const key of c.keysFor(e)) queue.add(c, key);
  });
  const resync = () => {
    for (const c of controllers) for (const key of c.resync?.() ?? []) queue.add(c, key);
  };
  resync();
  const timer = setInterval(resync, 10_000);
  timer.unref();
  return {
    idle: () => queue.idle(),
    stop: async () => {
      clearInterval(timer);
      queue.stop();
    },
  };
}
