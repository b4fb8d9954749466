// README.md shows the TUI's inventory of a real seeded lab, as bash scripts/lab-captures.sh
// captured it into docs/captures/: this fails while a README block differs from its stored
// capture, or a capture is empty or does not fit the 80x24 screen it was taken on.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURES, README, readmeCaptures, withCaptures } from '../../scripts/readme-captures.ts';

describe("README.md's captures of the lab", () => {
  const readme = fs.readFileSync(README, 'utf8');

  it('are the stored captures, the whole inventory and its /at risk filter', () => {
    expect(readmeCaptures(readme)).toEqual(['lab-inventory', 'lab-inventory-at-risk']);
    expect(readme, 'README.md is stale: run node bin/run-ts.js scripts/readme-captures.ts').toBe(withCaptures(readme));
    expect(withCaptures(readme, () => 'other')).not.toBe(readme);
  });

  it('each shows a filled inventory screen of the seeded lab at 80x24', () => {
    for (const name of readmeCaptures(readme)) {
      const text = fs.readFileSync(path.join(CAPTURES, `${name}.txt`), 'utf8').replace(/\n$/, '');
      const lines = text.split('\n');
      expect(lines.length, name).toBeLessThanOrEqual(23);
      for (const l of lines) expect(l.length, `${name}: ${l}`).toBeLessThanOrEqual(80);
      expect(lines[0], name).toMatch(/^lifeboat +context lab +repo /);
      expect(text, name).toMatch(/coverage \d+% \(\d+\/\d+\)/);
      expect(text, name).toMatch(/── inventory\(all\)\[[1-9]\d*\]/);
      expect(text, name).toMatch(/── why ─+ \d+ need backup · \d+ at risk/);
    }
  });
});
