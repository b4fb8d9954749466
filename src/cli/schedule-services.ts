// The schedules screen's services: the cluster's lifeboat installation, read with the
// kubeconfig the TUI uses.
import type { KubeTarget } from '../engine/kube/kubeconfig.ts';
import type { ScheduleRow, ScheduleServices } from '../screens/services.ts';

type Obj = Record<string, any>;

export function scheduleServices(kube: KubeTarget, namespace = 'lifeboat-system'): ScheduleServices {
  const client = async () => new (await import('../engine/kube/client.ts')).KubeClient(kube.kubeConfig);
  return {
    namespace,
    async list(): Promise<ScheduleRow[]> {
      const { listSchedules } = await import('../engine/cluster/schedules.ts');
      const { listObjects } = await import('../engine/cluster/apply.ts');
      const c = await client();
      try {
        const [schedules, items] = await Promise.all([listSchedules(c, namespace), listObjects(c, `/apis/lifeboat.dev/v1alpha1/namespaces/${namespace}/workitems`)]);
        return schedules.map((s) => ({
          name: s.name,
          cron: s.cron,
          suspended: s.suspended,
          nextRun: s.nextRun,
          lastRun: s.lastRun && s.lastRun.status !== 'running' ? { job: s.lastRun.job, status: s.lastRun.status, completionTime: s.lastRun.completionTime, bytes: s.lastRun.bytes, message: s.lastRun.message } : undefined,
          running: s.runs
            .filter((r) => r.status === 'running')
            .map((r) => ({
              job: r.job,
              startTime: r.startTime,
              nodes: items
                .filter((w: Obj) => w.spec?.run === r.job)
                .map((w: Obj) => ({ node: w.spec.node, phase: w.status?.phase ?? 'Pending', bytesDone: w.status?.bytesDone, bytesTotal: w.status?.bytesTotal }))
                .sort((a, b) => a.node.localeCompare(b.node)),
            })),
        }));
      } finally {
        c.close();
      }
    },
    async runNow(name: string): Promise<string> {
      const { getSchedule, runScheduleNow } = await import('../engine/cluster/schedules.ts');
      const c = await client();
      try {
        const cj = await getSchedule(c, namespace, name);
        if (!cj) throw new Error(`no schedule '${name}' in ${namespace}`);
        return (await runScheduleNow(c, namespace, cj)).metadata.name as string;
      } finally {
        c.close();
      }
    },
  };
}
