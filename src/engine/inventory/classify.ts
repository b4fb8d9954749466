import type { KubeObject } from '../kube/client.ts';
import type { ApiResource } from '../kube/discovery.ts';
import { classifyDatabases } from '../sources/databases/inventory.ts';
import { classifyEtcd } from '../sources/etcd/inventory.ts';
import { classifyImages } from '../sources/images/inventory.ts';
import { classifyKubernetes } from '../sources/kubernetes/inventory.ts';
import { classifyPrometheus } from '../sources/prometheus/inventory.ts';
import { classifyVolumes } from '../sources/volumes/inventory.ts';
import type { InventoryItem } from './types.ts';

// The classifier: what needs a backup, what can be skipped, what is at risk, and why, in words.
// Pure: observations in, items out. Each source's rows are its module's (sources/<kind>/
// inventory.ts); classify() puts the built-in ones together for tests of the verdicts, and
// Docker's containers (which no source captures) are classified here.

export interface DockerContainerObservation {
  id: string;
  name: string;
  image: string;
  running: boolean;
  /** Paths changed in the container's writable layer, outside its volumes and mounts. */
  changedPaths: string[];
}

export interface ImageObservation {
  /** The reference as used, e.g. 127.0.0.1:5000/lab/api:1. */
  ref: string;
  /** The id used for coverage (the images source's CapturedItem id). */
  id: string;
  /** Who uses it: `pod shop/api-7d9`, `container web`. */
  usedBy: string[];
  inEngine: boolean;
  inRegistry: boolean;
}

export interface VolumeObservation {
  id: string;
  kind: 'PersistentVolume' | 'DockerVolume';
  name: string;
  /** Where its data is on this machine, when lifeboat can reach it. */
  reachable: boolean;
  /** Why it cannot be reached and what to configure (when not reachable). */
  why?: string;
  /** PV reclaim policy. */
  reclaimPolicy?: string;
  claim?: string;
  storageClass?: string;
}

export interface Observations {
  kubernetes?: { resource: ApiResource; obj: KubeObject }[];
  containers?: DockerContainerObservation[];
  images?: ImageObservation[];
  volumes?: VolumeObservation[];
  etcd?: string[];
  databases?: { name: string; database: string; address: string }[];
  prometheus?: { name: string; url: string }[];
}

/** Docker containers: a writable layer with data is at risk; a stateless one is recreated from its image. */
export function classifyContainers(containers: DockerContainerObservation[], knownImage: (ref: string) => boolean): InventoryItem[] {
  const items: InventoryItem[] = [];
  for (const c of containers) {
    const base = { id: `container:${c.name}`, group: 'docker', kind: 'Container', name: c.name, details: { image: c.image, running: c.running } };
    if (c.changedPaths.length) {
      const sample = c.changedPaths.slice(0, 3).join(', ');
      items.push({ ...base, verdict: 'at-risk', reason: `keeps data in its writable layer (${c.changedPaths.length} changed paths: ${sample}); move it to a volume`, details: { ...base.details, changed: c.changedPaths.length } });
    } else {
      items.push({ ...base, verdict: 'skippable', reason: `stateless: recreate it from image ${c.image}${knownImage(c.image) ? '' : ' (not found)'}` });
    }
  }
  return items;
}

/** Every observation as inventory items, without coverage (see coverage.ts). */
export function classify(obs: Observations): InventoryItem[] {
  const imageByRef = new Map((obs.images ?? []).map((i) => [i.ref, i]));
  return [
    ...classifyKubernetes(obs.kubernetes ?? []),
    ...classifyVolumes(obs.volumes ?? []),
    ...classifyContainers(obs.containers ?? [], (ref) => imageByRef.has(ref)),
    ...classifyImages(obs.images ?? []),
    ...classifyEtcd(obs.etcd ?? []),
    ...classifyDatabases(obs.databases ?? []),
    ...classifyPrometheus(obs.prometheus ?? []),
  ];
}
