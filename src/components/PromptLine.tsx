import React from 'react';
import { Text } from 'ink';
import type { Theme } from './theme.ts';
import { keyOf, PROMPT_COMMANDS } from './keys.ts';

/** What is being typed after `:` or `/`. */
export interface Prompt {
  kind: ':' | '/';
  text: string;
}

/**
 * The `:` command and `/` filter line, shown where the message line is (k9s shows it above the
 * table; one line fewer matters at 80x24). The block after the text stands for the cursor.
 */
export function PromptLine({ prompt, theme, width }: { prompt: Prompt; theme: Theme; width: number }) {
  const hint = prompt.kind === ':' ? PROMPT_COMMANDS.filter((c) => c.hinted).map((c) => c.names[0]).join(' ') : `type to filter, ${keyOf('submit', 'prompt')} applies, ${keyOf('dismiss', 'prompt')} clears`;
  const text = `${prompt.kind}${prompt.text}`;
  const room = width - text.length - 4;
  return (
    <Text wrap="truncate">
      <Text bold color={theme.accent}>{text}</Text>
      <Text inverse> </Text>
      {room > hint.length ? <Text color={theme.dim}>{`  ${hint}`}</Text> : null}
    </Text>
  );
}
