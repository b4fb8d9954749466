// README.md's key table is made from the key registry; this fails while it is stale (run
// `node bin/run-ts.js scripts/readme-keys.ts` to write it again).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KEY_BINDINGS } from '../../src/components/keys.ts';
import { keyTableMarkdown } from '../../src/components/help.ts';
import { README, withKeyTable } from '../../scripts/readme-keys.ts';

describe("README.md's key table", () => {
  it('is the one the key registry makes', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readme, 'README.md is stale: run node bin/run-ts.js scripts/readme-keys.ts').toBe(withKeyTable(readme));
  });

  it('names every binding, so a changed key changes the table', () => {
    const table = keyTableMarkdown();
    for (const b of KEY_BINDINGS) expect(table).toContain(`${b.keys.map((k) => `\`${k}\``).join(', ')} | ${b.description}`);
    const rebound = KEY_BINDINGS.map((b) => (b.command === 'help' ? { ...b, keys: ['F1'] } : b));
    expect(keyTableMarkdown(rebound)).not.toBe(table);
    expect(keyTableMarkdown(rebound)).toContain('| Everywhere | `F1` | show or hide this help |');
  });
});
