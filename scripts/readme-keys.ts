// Writes README.md's key table from the key registry: `node bin/run-ts.js scripts/readme-keys.ts`.
// test/docs/readme-keys.test.ts fails while the README is stale.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { keyTableMarkdown } from '../src/components/help.ts';

export const README = path.resolve(import.meta.dirname, '../README.md');
const BEGIN = '<!-- keys: generated from src/components/keys.ts by scripts/readme-keys.ts; do not edit -->';
const END = '<!-- keys: end -->';

/** The README text with its key table made again. */
export function withKeyTable(readme: string): string {
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no key table markers (${BEGIN} ... ${END})`);
  return `${readme.slice(0, from)}${BEGIN}\n\n${keyTableMarkdown()}\n\n${readme.slice(to)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  fs.writeFileSync(README, withKeyTable(fs.readFileSync(README, 'utf8')));
  console.log('README.md: key table written');
}
