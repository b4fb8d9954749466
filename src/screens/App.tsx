import React, { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Box, useApp } from 'ink';
import { ConfirmDialog, type Dialog } from '../components/ConfirmDialog.tsx';
import { Footer } from '../components/Footer.tsx';
import { Header } from '../components/Header.tsx';
import { PromptLine, type Prompt } from '../components/PromptLine.tsx';
import { StatusLine, type Message } from '../components/StatusLine.tsx';
import { TooSmall, tooSmall } from '../components/TooSmall.tsx';
import type { Theme } from '../components/theme.ts';
import type { CommandSlot } from './commandSlot.ts';
import { scopesFor } from './keys.ts';
import { scopeOf, viewName, type View } from './router.ts';
import { ClockContext } from './clock.ts';
import { Screen } from './Screen.tsx';
import type { TuiServices } from './services.ts';
import { BackupStore } from './state/backupStore.ts';
import { RestoreWizard } from './state/restoreStore.ts';
import { useStore } from './state/useStore.ts';
import { useAppData } from './useAppData.ts';
import { modeOf, useShellKeys } from './useShellKeys.ts';
import { useTerminalSize } from './useTerminalSize.ts';

// Rows the shell itself takes: two header lines, the message line, the footer, and one spare
// (the root is rows - 1 high, because a frame as tall as the terminal makes Ink clear the screen
// on every frame).
const CHROME_ROWS = 5;

/** The shell: header, the screen in front (with its title), one message line and the key hints. */
export function App({ services, theme, store: given }: { services: TuiServices; theme: Theme; store?: BackupStore }) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const store = useMemo(() => given ?? new BackupStore(), [given]);
  const wizard = useMemo(() => new RestoreWizard(services), [services]);
  useStore(wizard); // renders again when the wizard starts or stops taking text (the footer's mode)
  const backupRunning = useSyncExternalStore(store.subscribe, () => store.running);
  const [message, setMessage] = useState<Message>();
  const data = useAppData(services, store, setMessage);
  const [stack, setStack] = useState<View[]>([{ screen: 'inventory' }]);
  const [prompt, setPromptState] = useState<Prompt>();
  const [dialog, setDialogState] = useState<Dialog>();
  // Mirrors of prompt and dialog that the key handler reads, so a burst of keys sees each change.
  const open = useRef<{ prompt?: Prompt; dialog?: Dialog }>({});
  const setPrompt = useCallback((p: Prompt | undefined) => setPromptState((open.current.prompt = p)), []);
  const setDialog = useCallback((d: Dialog | undefined) => setDialogState((open.current.dialog = d)), []);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [marks, setMarks] = useState<ReadonlySet<string>>(new Set());
  const slot = useRef<CommandSlot['current']>(null);
  const view = stack.at(-1)!;
  const mode = modeOf(prompt, dialog, view.screen === 'restore' && wizard.typing);
  const scopes = scopesFor(mode, scopeOf(view));
  const small = tooSmall(columns, rows);
  // A question about a run that has ended (cancel it?) no longer stands: closed, and said why.
  useEffect(() => {
    const d = open.current.dialog;
    if (d?.relevant && !d.relevant()) {
      setDialog(undefined);
      if (d.ended) setMessage({ level: 'info', text: d.ended });
    }
  }, [backupRunning, wizard.running, setDialog]);

  // Drill-ins and the wizard go on top (esc comes back); the other views replace the stack.
  const go = useCallback((v: View) => setStack((s) => {
    if (v.screen === 'restore') return [...s.filter((x) => x.screen !== 'restore'), v];
    return v.screen === 'manifest' || v.screen === 'help' ? [...s, v] : [v];
  }), []);
  const back = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const onMark = useCallback((id: string) => setMarks((m) => {
    const next = new Set(m);
    if (!next.delete(id)) next.add(id);
    return next;
  }), []);

  useShellKeys({
    view, current: () => open.current, filter: filters[view.screen] ?? '', tooSmall: small, slot,
    services, store, wizard, inventory: data.inventory.value, marks,
    clearMarks: () => setMarks(new Set()),
    setDialog, setMessage, setPrompt, go, back, exit, reload: data.reload,
    setFilter: (text) => setFilters((f) => ({ ...f, [view.screen]: text })),
  });

  const height = Math.max(rows - 1, 1);
  if (small) {
    return (
      <Box flexDirection="column" width={columns} height={height}>
        <TooSmall columns={columns} rows={rows} theme={theme} />
      </Box>
    );
  }
  const bodyHeight = height - CHROME_ROWS + 1;
  return (
    <ClockContext.Provider value={services.now}>
    <Box flexDirection="column" width={columns} height={height}>
      <Header facts={{ context: services.context, repository: services.repository, newest: data.newest, coverage: data.inventory.value?.coverage, unknown: data.inventory.value?.unobserved?.map((u) => u.source), now: services.now() }} theme={theme} width={columns} />
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {dialog ? <ConfirmDialog dialog={dialog} theme={theme} width={columns} /> : null}
        <Box display={dialog ? 'none' : 'flex'} flexDirection="column">
          <Screen
            view={view} crumbs={stack.slice(0, -1).map(viewName)} services={services} store={store} wizard={wizard} data={data}
            marks={marks} onMark={onMark} filter={filters[view.screen] ?? ''} go={go} slot={slot}
            height={bodyHeight} width={columns} theme={theme}
          />
        </Box>
      </Box>
      {prompt ? <PromptLine prompt={prompt} theme={theme} width={columns} /> : <StatusLine message={message} theme={theme} />}
      <Footer mode={mode} scopes={scopes} facts={{ backupRunning, restoreRunning: wizard.running }} theme={theme} width={columns} />
    </Box>
    </ClockContext.Provider>
  );
}
