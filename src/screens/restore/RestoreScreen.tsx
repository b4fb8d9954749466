import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { TitleBar } from '../../components/Header.tsx';
import { Pager, scroll } from '../../components/Pager.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { Table, type Column } from '../../components/Table.tsx';
import { fit, formatAge, formatBytes, formatTime, plural } from '../../components/format.ts';
import { keyOf } from '../../components/keys.ts';
import type { Theme } from '../../components/theme.ts';
import { planCounts } from '../../engine/restore/format.ts';
import { RESTORED_FROM_LABEL, type PlanAction } from '../../engine/restore/types.ts';
import { useCommandHandler, type CommandSlot } from '../commandSlot.ts';
import { useClock } from '../clock.ts';
import type { SnapshotSummary } from '../services.ts';
import { moveDelta } from '../state/listNav.ts';
import type { RestoreWizard } from '../state/restoreStore.ts';
import { useStore } from '../state/useStore.ts';
import { confirmWord, cursorOf, reviewRows, TARGET_FIELDS, treeRows, type Step, type TargetField, type WizardState } from './restoreMachine.ts';

// The restore wizard's screens on top of the machine: each step renders the machine's state, and
// each key command becomes a machine event. Nothing here does I/O (the wizard store does).

export interface RestoreScreenProps {
  wizard: RestoreWizard;
  crumbs: string[];
  slot: CommandSlot;
  height: number;
  width: number;
  theme: Theme;
}

const STEP_TITLE: Record<Step, [number, string]> = {
  snapshot: [1, 'choose a snapshot'],
  scope: [2, 'what to restore'],
  target: [3, 'target and mappings'],
  planning: [4, 'planning'],
  review: [4, 'review the plan'],
  diff: [4, 'review: one action'],
  confirm: [5, 'confirm'],
  running: [6, 'restoring'],
  report: [7, 'report'],
};

const FIELD_LABEL: Record<TargetField, string> = {
  context: 'target context',
  namespaceMap: 'namespace map',
  storageClassMap: 'storage-class map',
  registryMap: 'registry map',
  policy: 'existing objects',
};

const FIELD_HELP: Record<TargetField, string> = {
  context: 'kubeconfig context; empty: the current one',
  namespaceMap: 'old=new,... e.g. shop=shop-staging',
  storageClassMap: 'old=new,...',
  registryMap: 'old=new,... (images and pod specs)',
  policy: `${keyOf('open', 'restore')}: skip, update, recreate`,
};

/** The window of a list of `count` rows, `height` high, that shows `cursor`. */
function windowOf(cursor: number, count: number, height: number): number {
  const h = Math.max(1, height);
  return Math.max(0, Math.min(cursor - Math.floor(h / 2), count - h));
}

export function RestoreScreen(p: RestoreScreenProps) {
  const { wizard, theme, width } = p;
  const s = useStore(wizard);
  const [top, setTop] = useState({ diff: 0, report: 0 });
  const bodyHeight = p.height - 1;
  const text = s.step === 'diff' ? diffLines(s) : s.step === 'report' ? reportLines(s) : [];
  useCommandHandler(p.slot, (command) => {
    const d = wizard.dispatch;
    if (s.step === 'diff' || s.step === 'report') {
      const key = s.step;
      const next = scroll(command, top[key], text.length, bodyHeight - (key === 'report' ? 2 : 1));
      if (next !== undefined) {
        setTop({ ...top, [key]: next });
        return true;
      }
    }
    const delta = moveDelta(command, bodyHeight - 4);
    if (delta !== undefined) {
      d({ type: 'move', delta });
      return true;
    }
    switch (command) {
      case 'open':
        if (s.step === 'review') setTop({ ...top, diff: 0 });
        d({ type: 'select' });
        return true;
      case 'mark':
        d({ type: 'toggle' });
        return true;
      case 'next':
        d({ type: 'next' });
        return true;
      case 'back':
        // The first step and the report leave the wizard; the run asks first (the shell does both).
        if (s.step === 'snapshot' || s.step === 'report' || s.step === 'running') return false;
        d({ type: 'back' });
        return true;
      default:
        return false;
    }
  });
  const [n, name] = STEP_TITLE[s.step];
  const snap = s.snapshots?.find((x) => x.id === s.snapshotId);
  const short = s.snapshotId?.slice(0, 8);
  const title = `restore(${n}/7 ${name})${short ? `[${short}]` : ''}`;
  return (
    <Box flexDirection="column" height={p.height}>
      <TitleBar crumbs={p.crumbs} title={title} theme={theme} width={width} />
      {s.step === 'snapshot' ? <SnapshotStep s={s} height={bodyHeight} width={width} theme={theme} /> : null}
      {s.step === 'scope' ? <ScopeStep s={s} snap={snap} height={bodyHeight} width={width} theme={theme} /> : null}
      {s.step === 'target' ? <TargetStep s={s} width={width} theme={theme} /> : null}
      {s.step === 'planning' ? <Text>{`${theme.glyph.pending} planning: reading snapshot ${short} and the target (nothing is written)...`}</Text> : null}
      {s.step === 'review' ? <ReviewStep s={s} height={bodyHeight} width={width} theme={theme} /> : null}
      {s.step === 'diff' || s.step === 'report' ? (
        <Box flexDirection="column">
          {s.step === 'report' ? <ReportHead s={s} width={width} theme={theme} /> : null}
          <Pager lines={text} top={Math.min(top[s.step], Math.max(0, text.length - 1))} height={bodyHeight - (s.step === 'report' ? 2 : 0)} width={width} theme={theme} />
        </Box>
      ) : null}
      {s.step === 'confirm' ? <ConfirmStep s={s} width={width} theme={theme} /> : null}
      {s.step === 'running' ? <RunningStep wizard={wizard} s={s} width={width} theme={theme} /> : null}
      {s.error && s.step !== 'confirm' ? <Text color={theme.danger} wrap="truncate">{fit(`${theme.glyph.danger} ${s.error}`, width)}</Text> : null}
    </Box>
  );
}

function snapshotColumns(theme: Theme, now: () => number): Column<SnapshotSummary>[] {
  return [
    { title: 'time', cell: (x) => formatTime(x.time).slice(5) },
    { title: 'age', cell: (x) => formatAge(now() - Date.parse(x.time)) },
    { title: 'id', cell: (x) => x.shortId },
    { title: 'status', cell: (x) => (x.status === 'complete' ? `${theme.glyph.ok} complete` : `${theme.glyph.warn} PARTIAL`) },
    { title: 'size', cell: (x) => formatBytes(x.bytes) },
    { title: 'holds', cell: (x) => x.sources.join(','), flex: true },
  ];
}

function SnapshotStep({ s, height, width, theme }: { s: WizardState; height: number; width: number; theme: Theme }) {
  const now = useClock();
  if (!s.snapshots) return <Text>{s.snapshotsError ? `could not list the snapshots: ${s.snapshotsError}` : `${theme.glyph.pending} listing the snapshots...`}</Text>;
  const h = Math.max(1, height - 3);
  const cursor = cursorOf(s);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">{fit(`Which snapshot? Newest first. ${keyOf('open', 'restore')} chooses it; ${keyOf('back', 'restore')} leaves the wizard.`, width)}</Text>
      <Table
        rows={s.snapshots} columns={snapshotColumns(theme, now)} cursor={cursor} offset={windowOf(cursor, s.snapshots.length, h)} height={h} width={width} theme={theme}
        rowKey={(x) => x.id} color={(x) => (x.status === 'partial' ? theme.warn : undefined)} empty="no snapshots yet: back up first (b)"
      />
    </Box>
  );
}

function ScopeStep({ s, snap, height, width, theme }: { s: WizardState; snap?: SnapshotSummary; height: number; width: number; theme: Theme }) {
  const head = `Snapshot ${s.snapshotId?.slice(0, 8)}${snap ? ` (${formatTime(snap.time)}, ${snap.status})` : ''}. ${keyOf('mark', 'restore')} marks, ${keyOf('open', 'restore')} opens, ${keyOf('next', 'restore')}: on to the target.`;
  if (!s.contents) {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate">{fit(head, width)}</Text>
        <Text>{s.contentsError ? `could not read the snapshot: ${s.contentsError}` : `${theme.glyph.pending} reading what the snapshot holds...`}</Text>
      </Box>
    );
  }
  const rows = treeRows(s);
  const h = Math.max(1, height - 3);
  const cursor = cursorOf(s);
  const offset = windowOf(cursor, rows.length, h);
  const marked = s.marks.filter((m) => m.startsWith('source:')).length;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">{fit(head, width)}</Text>
      {rows.length === 0 ? <Text color={theme.dim}>   the snapshot holds nothing restorable</Text> : null}
      {rows.slice(offset, offset + h).map((r, i) => {
        const at = offset + i === cursor;
        const box = r.markable ? (s.marks.includes(r.id) ? '[x]' : '[ ]') : '   ';
        const arrow = r.openable ? (s.open.includes(r.id) ? '▾ ' : '▸ ') : '  ';
        const count = r.count === undefined ? '' : String(r.count);
        const left = `${at ? theme.glyph.cursor : ' '} ${box} ${'    '.repeat(r.depth)}${arrow}${r.label}`;
        const line = `${fit(left, 44)} ${count.padStart(5)}  ${r.note ?? ''}`;
        return (
          <Text key={r.id} inverse={at} color={r.markable ? undefined : theme.dim} wrap="truncate">
            {fit(line, width)}
          </Text>
        );
      })}
      {marked === 0 ? <Text color={theme.warn}>{`${theme.glyph.warn} nothing marked`}</Text> : null}
    </Box>
  );
}

function TargetStep({ s, width, theme }: { s: WizardState; width: number; theme: Theme }) {
  const cursor = cursorOf(s);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">{fit(`Where to, and how? ${keyOf('open', 'restore')} edits a field; ${keyOf('next', 'restore')} plans the restore (nothing is written).`, width)}</Text>
      <Text> </Text>
      {TARGET_FIELDS.map((f, i) => {
        const at = i === cursor;
        const editing = s.editing?.field === f;
        const value = editing ? s.editing!.text : f === 'context' ? s.target.context || `(current: ${s.currentContext ?? 'none'})` : s.target[f] || '-';
        const left = `${at ? theme.glyph.cursor : ' '} ${fit(FIELD_LABEL[f], 18)} `;
        return (
          <Text key={f} wrap="truncate" inverse={at && !editing}>
            {left}
            {editing ? <Text bold color={theme.accent}>{value}</Text> : fit(value, 24)}
            {editing ? <Text inverse> </Text> : null}
            <Text color={theme.dim}>{editing ? `  ${keyOf('submit', 'text')} keeps, ${keyOf('dismiss', 'text')} drops the edit` : `  ${FIELD_HELP[f]}`}</Text>
          </Text>
        );
      })}
    </Box>
  );
}

function verbsText(verbs: Record<string, number>): string {
  return Object.entries(verbs).map(([v, k]) => `${v} ${k}`).join(', ');
}

/** Counts per kind and verb packed into at most `max` lines of `width`: `Kind: verb n, verb n` each. */
export function packCounts(counts: { group: string; verbs: Record<string, number> }[], width: number, max: number): string[] {
  const lines: string[] = [];
  let line = ' ';
  for (let i = 0; i < counts.length; i++) {
    const item = ` ${counts[i]!.group}: ${verbsText(counts[i]!.verbs)};`;
    if (line.length + item.length <= width) {
      line += item;
      continue;
    }
    if (lines.length === max - 1) {
      lines.push(fit(`${line} ...and ${counts.length - i} more (see the list)`, width));
      return lines;
    }
    lines.push(line);
    line = ` ${item}`;
  }
  if (line.trim()) lines.push(line);
  return lines;
}

function ReviewStep({ s, height, width, theme }: { s: WizardState; height: number; width: number; theme: Theme }) {
  const plan = s.planned!.plan;
  const counts = packCounts(planCounts(plan), width, 4);
  const warnings = plan.warnings.slice(0, 2);
  const rows = reviewRows(s);
  const used = 2 + counts.length + warnings.length + (plan.warnings.length > 2 ? 1 : 0) + 2;
  const h = Math.max(3, height - used);
  const cursor = cursorOf(s);
  const columns: Column<PlanAction>[] = [
    { title: 'verb', cell: (a) => a.verb },
    { title: 'what', cell: (a) => a.title, max: 36 },
    { title: 'why', cell: (a) => `${a.warnings.length ? `${theme.glyph.warn} ` : ''}${a.reason}`, flex: true },
  ];
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">{fit(`Into ${s.planned!.context ? `context ${s.planned!.context}` : 'no cluster'}: ${plural(rows.length, 'action')}. ${keyOf('open', 'restore')} shows one; ${keyOf('next', 'restore')}: on to confirm.`, width)}</Text>
      {counts.map((line, i) => (
        <Text key={i} wrap="truncate">{line}</Text>
      ))}
      {warnings.map((w, i) => (
        <Text key={i} color={theme.warn} wrap="truncate">{fit(`${theme.glyph.warn} ${w}`, width)}</Text>
      ))}
      {plan.warnings.length > 2 ? <Text color={theme.warn}>{`${theme.glyph.warn} ...and ${plan.warnings.length - 2} more warnings (${keyOf('open', 'restore')} on an action shows its own)`}</Text> : null}
      <Table
        rows={rows} columns={columns} cursor={cursor} offset={windowOf(cursor, rows.length, h)} height={h} width={width} theme={theme}
        rowKey={(a) => a.id} color={(a) => (a.verb === 'skip' ? theme.dim : a.verb === 'recreate' ? theme.warn : undefined)} empty="nothing to do: the plan is empty"
      />
    </Box>
  );
}

/** One action in words: what, why, what the clean-up changed, the diff against the live object. */
export function diffLines(s: WizardState): string[] {
  const a = s.planned?.plan.actions.find((x) => x.id === s.diffOf);
  if (!a) return [];
  const out = [`${a.verb} ${a.title}`, `why: ${a.reason}`];
  for (const w of a.warnings) out.push(`warning: ${w}`);
  if (a.source === 'objects') {
    if (a.fromNamespace) out.push(`from namespace ${a.fromNamespace}`);
    if (a.changes.length) out.push('', 'changes made for the target:', ...a.changes.map((c) => `  ~ ${c}`));
    if (a.diff) out.push('', 'diff (live -> restored):', ...a.diff.split('\n'));
    else if (a.live) out.push('', 'no difference from the live object');
    else if (a.verb !== 'skip') out.push('', 'not in the target: it is created');
  }
  if (a.source === 'etcd' && a.verb === 'restore') out.push('', 'then:', ...a.steps.map((x, i) => `  ${i + 1}. ${x}`));
  if (a.source === 'volumes' && a.target) out.push(`into: ${JSON.stringify(a.target)}`);
  if (a.source === 'images' && a.pushTo) out.push(`pushed to: ${a.pushTo}`);
  return out;
}

function ConfirmStep({ s, width, theme }: { s: WizardState; width: number; theme: Theme }) {
  const plan = s.planned!.plan;
  const word = confirmWord(s);
  const writes = plan.actions.filter((a) => a.verb !== 'skip').length;
  return (
    <Box flexDirection="column">
      <Text bold color={theme.danger} wrap="truncate">{fit(`${theme.glyph.warn} Restore snapshot ${plan.snapshot.short} into ${s.planned!.context ? `context ${s.planned!.context}` : 'this machine'}?`, width)}</Text>
      <Text wrap="truncate">{fit(`  ${plural(writes, 'action')} write, ${plural(plan.actions.length - writes, 'action')} skip; existing objects: ${s.planned!.request.options.existingPolicy ?? 'skip'}.`, width)}</Text>
      {planCounts(plan).slice(0, 6).map(({ group, verbs }) => (
        <Text key={group} wrap="truncate">{fit(`    ${fit(group, 26)} ${verbsText(verbs)}`, width)}</Text>
      ))}
      <Text> </Text>
      <Text wrap="truncate">{fit(`Type ${s.planned!.context ? "the target context's name" : "'restore'"} (${word}) and press ${keyOf('submit', 'text')}; ${keyOf('dismiss', 'text')} goes back.`, width)}</Text>
      <Text wrap="truncate">
        <Text bold color={theme.accent}>{`> ${s.confirmText}`}</Text>
        <Text inverse> </Text>
      </Text>
      {s.error ? <Text color={theme.danger} wrap="truncate">{fit(`${theme.glyph.danger} ${s.error}`, width)}</Text> : null}
    </Box>
  );
}

function RunningStep({ wizard, s, width, theme }: { wizard: RestoreWizard; s: WizardState; width: number; theme: Theme }) {
  const p = useStore(wizard.progress);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">{fit(`Restoring snapshot ${s.snapshotId?.slice(0, 8)}${s.planned?.context ? ` into context ${s.planned.context}` : ''}. ${keyOf('cancel', 'restore')} or ${keyOf('back', 'restore')} cancels (asks first).`, width)}</Text>
      {p.jobs.length === 0 ? <Text>{`${theme.glyph.pending} starting...`}</Text> : null}
      {p.jobs.map((j) => <ProgressBar key={j.id} job={j} width={width} theme={theme} />)}
      {s.cancelling ? <Text color={theme.warn}>{`${theme.glyph.warn} cancelling: stopping the running jobs (what was written stays)...`}</Text> : null}
      {p.log.slice(-4).map((l, i) => (
        <Text key={i} color={theme.warn} wrap="truncate">{fit(`${theme.glyph.warn} ${l.level} ${l.job}: ${l.message}`, width)}</Text>
      ))}
    </Box>
  );
}

function ReportHead({ s, width, theme }: { s: WizardState; width: number; theme: Theme }) {
  const r = s.report;
  if (!r) return <><Text color={theme.danger} wrap="truncate">{fit(`${theme.glyph.danger} the restore failed: ${s.runError}`, width)}</Text><Text> </Text></>;
  const t = r.totals;
  const level = r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'danger' : 'warn';
  const glyph = r.status === 'ok' ? theme.glyph.ok : r.status === 'failed' ? theme.glyph.danger : theme.glyph.warn;
  return (
    <>
      <Text bold color={theme[level]} wrap="truncate">{fit(`${glyph} restore ${r.status === 'ok' ? 'DONE' : r.status.toUpperCase()}: ${totalsText(t)}`, width)}</Text>
      <Text color={theme.dim} wrap="truncate">{fit(`${keyOf('back', 'restore')} leaves; ${keyOf('commandMode', 'global')}restore starts another`, width)}</Text>
    </>
  );
}

/** The totals in words, zeros left out (but never `failed`). */
export function totalsText(t: Record<string, number>): string {
  return [...['created', 'updated', 'recreated', 'restored', 'skipped'].filter((k) => t[k]).map((k) => `${t[k]} ${k}`), `${t.failed ?? 0} failed`].join(', ');
}

/** The report's items (failed first, with reasons; skipped last), then what to do next. */
export function reportLines(s: WizardState): string[] {
  const r = s.report;
  const out: string[] = [];
  if (r) {
    const order = ['failed', 'recreated', 'updated', 'created', 'restored', 'skipped'];
    const items = [...r.items].sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome));
    for (const i of items) out.push(`${i.outcome.toUpperCase().padEnd(9)} ${i.title}${i.reason ? `: ${i.reason}` : ''}`);
  }
  out.push('', 'What next:');
  const short = s.snapshotId?.slice(0, 8);
  if (r?.notes.length) out.push(...r.notes.map((n) => `  ${n}`));
  if (r && r.totals.failed) out.push('  fix what failed (see why above), then restore again: what exists is skipped');
  if (r?.status === 'cancelled') out.push('  the restore was cancelled: what was written stays; restore again to finish it');
  if (!r) out.push('  see the reason above; nothing may have been written');
  if (r && (r.totals.created || r.totals.updated || r.totals.recreated)) out.push(`  see what came back: kubectl get all -A -l ${RESTORED_FROM_LABEL}=${short}`);
  out.push(`  back up again once the environment is right: ${keyOf('backup', 'global')}`);
  return out;
}
