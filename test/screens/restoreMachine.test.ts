import { describe, expect, it } from 'vitest';
import { confirmWord, initialState, isTyping, requestOf, restoreMachine, treeRows, type WizardEvent, type WizardState } from '../../src/screens/restore/restoreMachine.ts';
import type { PlannedRestore } from '../../src/screens/services.ts';
import { fakePlan, OLD_SNAPSHOTS } from './fixtures.ts';

// The wizard's machine without Ink: every step, back without losing choices, and a run that
// only the exact target context's name starts.

const CONTENTS = {
  sources: [{ source: 'objects' as const, items: 40 }, { source: 'volumes' as const, items: 2 }, { source: 'etcd' as const, items: 1 }],
  namespaces: { shop: 30, monitoring: 6 },
  kinds: { configmaps: 9, deployments: 6 },
  clusterScoped: 4,
};

const run = (s: WizardState, ...events: WizardEvent[]) => events.reduce(restoreMachine, s);
const type = (text: string): WizardEvent[] => [...text].map((c) => ({ type: 'type', text: c }));
const planned = (s: WizardState): PlannedRestore => {
  const request = requestOf(s);
  return { request, plan: fakePlan(request), context: 'lab' };
};

/** Walks to the review step: newest snapshot, shop only (objects), namespace map, update. */
function toReview(): WizardState {
  let s = run(initialState('lab'), { type: 'snapshotsLoaded', snapshots: OLD_SNAPSHOTS }, { type: 'select' });
  s = run(s, { type: 'contentsLoaded', id: s.snapshotId!, contents: CONTENTS });
  // rows: objects, namespaces, monitoring, shop, cluster-scoped, kinds, volumes, etcd
  s = run(s, { type: 'move', delta: 3 }, { type: 'toggle' }, { type: 'move', delta: 3 }, { type: 'toggle' }, { type: 'next' });
  s = run(s, { type: 'move', delta: 1 }, { type: 'select' }, ...type('shop=shop-staging'), { type: 'submit' });
  s = run(s, { type: 'move', delta: 3 }, { type: 'select' }, { type: 'next' });
  expect(s.step).toBe('planning');
  return run(s, { type: 'planned', seq: s.planSeq, planned: planned(s) });
}

describe('the restore machine', () => {
  it('lists snapshots newest first and chooses one; contents mark the default sources (not etcd)', () => {
    let s = run(initialState('lab'), { type: 'snapshotsLoaded', snapshots: OLD_SNAPSHOTS });
    expect(s.step).toBe('snapshot');
    expect(s.snapshots!.map((x) => x.shortId)).toEqual(['e5f6a7b8', 'a1b2c3d4']);
    s = run(s, { type: 'move', delta: 1 }, { type: 'select' });
    expect(s).toMatchObject({ step: 'scope', snapshotId: OLD_SNAPSHOTS[0]!.id });
    s = run(s, { type: 'contentsLoaded', id: 'other', contents: CONTENTS });
    expect(s.contents).toBeUndefined();
    s = run(s, { type: 'contentsLoaded', id: s.snapshotId!, contents: CONTENTS });
    expect(s.marks).toEqual(['source:objects', 'source:volumes']);
    expect(treeRows(s).map((r) => r.id)).toEqual(['source:objects', 'group:namespaces', 'ns:monitoring', 'ns:shop', 'cluster', 'group:kinds', 'source:volumes', 'source:etcd']);
  });

  it('marks with toggle, opens with select, and builds the request from the marks and the target', () => {
    let s = toReview();
    expect(s.step).toBe('review');
    expect(requestOf(s)).toEqual({
      snapshot: OLD_SNAPSHOTS[1]!.id,
      scope: { sources: ['objects'], namespaces: ['shop'], kinds: undefined },
      targetContext: undefined,
      options: { namespaceMap: { shop: 'shop-staging' }, storageClassMap: {}, registryMap: {}, existingPolicy: 'update' },
    });
    // Kinds open with select; marking a kind under unmarked objects marks objects too.
    s = run(initialState('lab', 'x'), { type: 'contentsLoaded', id: 'x', contents: CONTENTS }, { type: 'move', delta: 5 }, { type: 'select' });
    expect(treeRows(s).map((r) => r.id)).toContain('kind:deployments');
    s = run(s, { type: 'move', delta: -5 }, { type: 'toggle' });
    expect(s.marks).toEqual(['source:volumes']);
    s = run(s, { type: 'move', delta: 7 }, { type: 'toggle' });
    expect(s.marks).toEqual(['source:volumes', 'kind:deployments', 'source:objects']);
    expect(requestOf(s).scope).toEqual({ sources: ['volumes', 'objects'], namespaces: undefined, kinds: ['deployments'] });
  });

  it('will not leave the scope step with nothing marked, nor the target step with a bad mapping', () => {
    let s = run(initialState('lab', 'x'), { type: 'contentsLoaded', id: 'x', contents: CONTENTS }, { type: 'toggle' }, { type: 'move', delta: 6 }, { type: 'toggle' }, { type: 'next' });
    expect(s).toMatchObject({ step: 'scope', error: expect.stringContaining('nothing is marked') });
    s = run(s, { type: 'toggle' }, { type: 'next' });
    expect(s.step).toBe('target');
    s = run(s, { type: 'move', delta: 1 }, { type: 'select' });
    expect(isTyping(s)).toBe(true);
    s = run(s, ...type('shop'), { type: 'submit' }, { type: 'next' });
    expect(s).toMatchObject({ step: 'target', error: "namespace map takes old=new, got 'shop'" });
    // esc while editing drops the edit and stays on the step.
    s = run(s, { type: 'select' }, ...type('=x'), { type: 'back' });
    expect(s).toMatchObject({ step: 'target', editing: undefined, target: { namespaceMap: 'shop' } });
  });

  it('goes back a step at a time without losing a choice, and drops a plan asked for before esc', () => {
    const reviewed = toReview();
    let s = run(reviewed, { type: 'back' });
    expect(s.step).toBe('target');
    expect(s.target).toEqual({ context: 'lab', namespaceMap: 'shop=shop-staging', storageClassMap: '', registryMap: '', policy: 'update' });
    s = run(s, { type: 'back' });
    expect(s).toMatchObject({ step: 'scope', marks: ['source:objects', 'ns:shop'] });
    s = run(s, { type: 'back' });
    expect(s.step).toBe('snapshot');
    // The same snapshot again keeps the marks; the target is kept either way.
    s = run(s, { type: 'select' });
    expect(s).toMatchObject({ step: 'scope', marks: ['source:objects', 'ns:shop'], contents: CONTENTS });
    s = run(s, { type: 'next' }, { type: 'next' });
    expect(s.step).toBe('planning');
    const seq = s.planSeq;
    s = run(s, { type: 'back' });
    expect(s.step).toBe('target');
    s = run(s, { type: 'planned', seq, planned: planned(s) });
    expect(s.step).toBe('target'); // the abandoned plan's answer is dropped
    // Another snapshot starts the marks afresh.
    s = run(s, { type: 'back' }, { type: 'back' }, { type: 'move', delta: 1 }, { type: 'select' });
    expect(s).toMatchObject({ step: 'scope', snapshotId: OLD_SNAPSHOTS[0]!.id, marks: [], contents: undefined });
    // A failed plan goes back to the target with the reason.
    s = run(toReview(), { type: 'back' }, { type: 'next' });
    s = run(s, { type: 'planFailed', seq: s.planSeq, error: 'context "nope" not found' });
    expect(s).toMatchObject({ step: 'target', error: 'could not plan the restore: context "nope" not found' });
  });

  it('shows an action, then confirms only with the exact context name; a wrong name does nothing', () => {
    let s = run(toReview(), { type: 'move', delta: 2 }, { type: 'select' });
    expect(s).toMatchObject({ step: 'diff', diffOf: 'kubernetes:core/v1/secrets/shop/db-password' });
    s = run(s, { type: 'back' });
    expect(s.step).toBe('review');
    s = run(s, { type: 'next' });
    expect(s.step).toBe('confirm');
    expect(confirmWord(s)).toBe('lab');
    expect(isTyping(s)).toBe(true);
    for (const wrong of ['la', 'lab ', 'LAB', '']) {
      s = run(s, ...type(wrong), { type: 'submit' });
      expect(s.step, wrong).toBe('confirm');
      expect(s.error).toContain('nothing was restored');
      expect(s.confirmText).toBe('');
    }
    s = run(s, ...type('laX'), { type: 'erase' }, { type: 'erase' }, ...type('ab'), { type: 'submit' });
    expect(s.step).toBe('running');
    // While running, back does nothing (the shell asks to cancel); a report ends it.
    expect(run(s, { type: 'back' }).step).toBe('running');
    s = run(s, { type: 'cancelRequested' });
    expect(s.cancelling).toBe(true);
    const report = { status: 'cancelled' as const, results: [], items: [], totals: { created: 0, updated: 0, recreated: 0, restored: 0, skipped: 0, failed: 0 }, notes: [] };
    s = run(s, { type: 'finished', report });
    expect(s).toMatchObject({ step: 'report', report, cancelling: false });
    expect(run(s, { type: 'back' }).step).toBe('report');
  });

  it('confirms from the confirm step only: submit and typing elsewhere start nothing', () => {
    let s = toReview();
    s = run(s, ...type('lab'), { type: 'submit' });
    expect(s.step).toBe('review');
    s = run(s, { type: 'next' }, { type: 'back' });
    expect(s).toMatchObject({ step: 'review', confirmText: '' });
    // Without a cluster the word is 'restore'.
    s = run(s, { type: 'next' });
    s = { ...s, planned: { ...s.planned!, context: undefined } };
    expect(confirmWord(s)).toBe('restore');
    expect(run(s, ...type('lab'), { type: 'submit' }).step).toBe('confirm');
    expect(run(s, ...type('restore'), { type: 'submit' }).step).toBe('running');
  });

  it('starts on a snapshot given (from the backups screen) at the scope step', () => {
    const s = initialState('lab', 'abc');
    expect(s).toMatchObject({ step: 'scope', snapshotId: 'abc', target: { context: 'lab', policy: 'skip' } });
    expect(run(s, { type: 'back' }).step).toBe('snapshot');
  });
});
