// Plain objects and a clean-up context for the kind rules: no cluster, no snapshot.
import type { KubeObject } from '../../../src/engine/kube/client.ts';
import type { CleanupContext } from '../../../src/engine/kinds/index.ts';
import { cleanKind } from '../../../src/engine/kinds/index.ts';
import { wordMentions } from '../../../src/engine/mentions.ts';
import { CLI_WORDS } from '../../../src/cli/mention-words.ts';

export const noMaps = { namespaces: {}, storageClasses: {}, registries: {} };
export const ctx = (over: Partial<CleanupContext> = {}): CleanupContext => ({ mappings: noMaps, snapshot: 'abcd1234', ...over });

export function obj(kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}), ...metadata }, ...rest } as KubeObject;
}

/** The kind's clean-up on a copy: the object and the change lines, as the command line words them. */
export function clean(resource: string, o: KubeObject, c: CleanupContext = ctx()): { object: KubeObject; changes: string[] } {
  const object = structuredClone(o);
  const changes: string[] = [];
  cleanKind(resource, object, c, changes);
  return { object, changes: changes.map((l) => wordMentions(l, CLI_WORDS)) };
}
