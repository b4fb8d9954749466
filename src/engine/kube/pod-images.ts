// The image references a Kubernetes object's pod template runs: for Pods, PodTemplates and every
// workload kind that embeds a template (Deployments, StatefulSets, DaemonSets, ReplicaSets,
// ReplicationControllers, Jobs, CronJobs), from containers, init and ephemeral containers.

interface PodSpecLike {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
  ephemeralContainers?: { image?: string }[];
}

interface KubeObjectLike {
  kind?: string;
  spec?: PodSpecLike & {
    template?: { spec?: PodSpecLike };
    jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } };
  };
  template?: { spec?: PodSpecLike };
}

function podSpecOf(obj: KubeObjectLike): PodSpecLike | undefined {
  switch (obj.kind) {
    case 'Pod':
      return obj.spec;
    case 'PodTemplate':
      return obj.template?.spec;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return obj.spec?.template?.spec;
  }
}

/** The images of one object's pod spec, in order, without repeats (none for other kinds). */
export function podTemplateImages(obj: KubeObjectLike): string[] {
  const spec = podSpecOf(obj);
  if (!spec) return [];
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  return [...new Set(all.map((c) => c.image).filter((i): i is string => !!i))];
}
