// The small rules every name check stands on: Kubernetes' version order (which version of a
// kind is backed up), kubectl's ways of naming a resource, and the "did you mean" of a typo.
import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from '../../src/engine/errors.ts';
import { compareKubeVersions, namesResource } from '../../src/engine/kube/discovery.ts';

describe('names', () => {
  it("orders versions as Kubernetes does: GA, then beta, then alpha, newest first, then others by name", () => {
    const sorted = ['v1alpha1', 'v2beta1', 'v1', 'foo', 'v1beta2', 'v10', 'v2', 'v1beta1', 'v11alpha2', 'bar'].sort(compareKubeVersions);
    expect(sorted).toEqual(['v10', 'v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'bar', 'foo']);
  });

  it('takes a resource as kubectl does: plural, singular, short name, kind, with its group or version.group', () => {
    const deploy = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', shortNames: ['deploy'], singularName: 'deployment' };
    for (const n of ['deployments', 'deployment', 'deploy', 'Deployment', 'DEPLOYMENTS', 'deployments.apps', 'deploy.apps', 'deployments.v1.apps', 'Deployment.apps']) {
      expect(namesResource(deploy, n), n).toBe(true);
    }
    for (const n of ['deployments.batch', 'deployments.v2.apps', 'deploymentz', 'dep', 'apps']) expect(namesResource(deploy, n), n).toBe(false);
    const cm = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap' };
    expect(namesResource(cm, 'configmap')).toBe(true);
    expect(namesResource(cm, 'configmaps.apps')).toBe(false);
  });

  it('suggests the closest name for a typo, a swap or a case slip, and nothing for a different word', () => {
    const kinds = ['Deployment', 'DaemonSet', 'StatefulSet', 'ConfigMap', 'Secret'];
    expect(closest('Deploymnt', kinds)).toBe('Deployment');
    expect(closest('deplyoment', kinds)).toBe('Deployment');
    expect(closest('configmap', kinds)).toBe('ConfigMap');
    expect(closest('Secrte', kinds)).toBe('Secret');
    expect(closest('nosuchthing', kinds)).toBeUndefined();
    expect(didYouMean('shpo', ['shop', 'monitoring'])).toBe(": did you mean 'shop'?");
    expect(didYouMean('x', ['shop'])).toBe('');
  });
});
