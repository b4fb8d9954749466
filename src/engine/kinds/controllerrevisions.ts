// ControllerRevisions: the history a StatefulSet or DaemonSet keeps, rebuilt by it.
import { controllerOf, type KindRule } from './rule.ts';

export const controllerRevisions: KindRule = {
  appliesTo: ['controllerrevisions.apps'],
  generated(obj) {
    const c = controllerOf(obj);
    return c ? `history kept by ${c.kind} ${c.name}, rebuilt by it` : undefined;
  },
};
