// Jobs: the Job controller labels a Job and its pods with its uid and makes their selector; a
// CronJob's runs are its own to start.
import { controllerOf, deleteKeys, type KindRule } from './rule.ts';

const JOB_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

export const jobs: KindRule = {
  appliesTo: ['jobs.batch'],
  phase: 'workloads',
  generated(obj) {
    const c = controllerOf(obj);
    return c?.kind === 'CronJob' ? `run of CronJob ${c.name}: the CronJob starts new ones` : undefined;
  },
  clean(obj, _ctx, changes) {
    const spec = obj.spec as Record<string, any> | undefined;
    deleteKeys(obj.metadata.labels, JOB_UID_LABELS, 'label ', changes, "the Job controller's uid of the old Job");
    deleteKeys(spec?.template?.metadata?.labels, JOB_UID_LABELS, 'template label ', changes, "the Job controller's uid of the old Job");
    if (spec?.selector && !spec.manualSelector) {
      delete spec.selector;
      changes.push('cleared spec.selector (the Job controller makes a new one)');
    }
  },
  immutable: [['spec', 'template'], ['spec', 'completionMode']],
  carryOver(spec, liveSpec) {
    if (spec.selector === undefined) spec.selector = liveSpec.selector;
    if (spec.template && liveSpec.template?.metadata?.labels) {
      spec.template.metadata ??= {};
      spec.template.metadata.labels = { ...liveSpec.template.metadata.labels, ...(spec.template.metadata.labels ?? {}) };
    }
  },
};
