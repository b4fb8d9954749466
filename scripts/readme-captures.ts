// Writes the README's captures of a real lab from docs/captures/<name>.txt (made by
// scripts/lab-captures.sh) into the block after each `<!-- capture: <name> -->` marker:
// `node bin/run-ts.js scripts/readme-captures.ts`. test/docs/readme-captures.test.ts fails while
// the README and the stored captures differ.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const README = path.resolve(import.meta.dirname, '../README.md');
export const CAPTURES = path.resolve(import.meta.dirname, '../docs/captures');
const BLOCK = /(<!-- capture: ([a-z0-9-]+) -->\n```\n)([\s\S]*?)(\n```)/g;

/** The names of the captures the README shows, in order. */
export function readmeCaptures(readme: string): string[] {
  return [...readme.matchAll(BLOCK)].map((m) => m[2]!);
}

/** The README text with each marked block made again from its stored capture. */
export function withCaptures(readme: string, read = (name: string) => fs.readFileSync(path.join(CAPTURES, `${name}.txt`), 'utf8')): string {
  return readme.replace(BLOCK, (_all, head: string, name: string, _old: string, tail: string) => `${head}${read(name).replace(/\n+$/, '')}${tail}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  fs.writeFileSync(README, withCaptures(fs.readFileSync(README, 'utf8')));
  console.log('README.md: lab captures written');
}
