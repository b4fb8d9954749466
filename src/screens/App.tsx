import React, { useCallback, useEffect, useState } from 'react';
import { Box, Text, useApp, useInput, useStdin } from 'ink';
import type { ProbeResult } from '../engine/environment/probe.ts';
import { Footer } from '../components/Footer.tsx';
import { HelpView } from '../components/HelpView.tsx';
import { StatusLine, type Message } from '../components/StatusLine.tsx';
import type { Theme } from '../components/theme.ts';
import { ConnectionsScreen } from './ConnectionsScreen.tsx';
import { commandFor, KEY_BINDINGS, keyName } from './keys.ts';
import type { TuiServices } from './services.ts';
import { useTerminalSize } from './useTerminalSize.ts';

/** The shell: header, the current screen, one message line and the key hints. */
export function App({ services, theme }: { services: TuiServices; theme: Theme }) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const [results, setResults] = useState<ProbeResult[]>();
  const [message, setMessage] = useState<Message>();
  const [help, setHelp] = useState(false);

  const refresh = useCallback(() => {
    setResults(undefined);
    services.probe().then(
      (r) => {
        setResults(r);
        const down = r.filter((x) => !x.ok).length;
        setMessage(down ? { level: 'warn', text: `${down} of ${r.length} sources do not answer` } : { level: 'info', text: `${r.length} sources answer` });
      },
      (e: Error) => setMessage({ level: 'error', text: e.message }),
    );
  }, [services]);
  useEffect(refresh, [refresh]);

  useInput(
    (input, key) => {
      const command = commandFor(keyName(input, key));
      if (command === 'quit') exit();
      else if (command === 'help') setHelp((h) => !h);
      else if (command === 'back') setHelp(false);
      else if (command === 'refresh') refresh();
    },
    { isActive: isRawModeSupported },
  );

  // rows - 1: a frame as tall as the terminal makes Ink clear the screen on every frame.
  return (
    <Box flexDirection="column" width={columns} height={Math.max(rows - 1, 1)}>
      <Box justifyContent="space-between">
        <Text bold color={theme.accent}>
          lifeboat
        </Text>
        <Text wrap="truncate">{`context: ${services.context ?? '(no cluster)'}  config: ${services.configFile ?? '(none)'}`}</Text>
      </Box>
      <Text color={theme.dim}>{help ? 'help' : 'sources'}</Text>
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {help ? <HelpView bindings={KEY_BINDINGS} /> : <ConnectionsScreen results={results} theme={theme} width={columns} />}
      </Box>
      <StatusLine message={message} theme={theme} />
      <Footer bindings={KEY_BINDINGS} theme={theme} width={columns} />
    </Box>
  );
}
