import type Docker from 'dockerode';
import type { KubeClient } from '../engine/kube/client.ts';
import type { Repository } from '../engine/repository/repository.ts';
import type { EngineSession } from '../engine/session.ts';
import { sessionRepository } from './session.ts';

/**
 * The clients an inventory reads through, the session's; each is optional. A repository that
 * does not open leaves the coverage unknown, said as a warning.
 */
export async function inventoryInputs(session: EngineSession): Promise<{ kube?: KubeClient; docker?: Docker; repo?: Repository; warnings: string[] }> {
  const warnings: string[] = [];
  const kube = await session.kubeClient({ attempts: 3 });
  const docker = await session.docker();
  let repo: Repository | undefined;
  try {
    repo = await sessionRepository(session);
  } catch (e) {
    warnings.push(`coverage unknown: ${(e as Error).message}`);
  }
  return { kube, docker, repo, warnings };
}
