// Imports run one way: cli -> screens -> components; cli and screens -> engine. The engine knows
// nothing of the CLI, the UI or the lab; the product never imports the lab (but for the `lifeboat
// lab` command, its front door); no screen or component talks to Docker or the CLI itself.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
type Layer = 'cli' | 'screens' | 'components' | 'engine' | 'lab';

/** What each layer may import of src (itself always). */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  cli: ['screens', 'components', 'engine'],
  screens: ['components', 'engine'],
  components: [],
  engine: [],
  lab: ['engine'],
};
/** Files allowed one import the rules above refuse, and why. */
const EXCEPTIONS: Record<string, Layer[]> = {
  // `lifeboat lab up|down|status|seed|env`: the CLI's door to the lab, loaded only by that command.
  'cli/commands/lab.ts': ['lab'],
};
/** Packages a layer must not import. */
const NO_PACKAGES: Partial<Record<Layer, string[]>> = {
  screens: ['dockerode', '@kubernetes/client-node', 'etcd3'],
  components: ['dockerode', '@kubernetes/client-node', 'etcd3'],
  engine: ['react', 'ink', 'ink-select-input', 'ink-testing-library'],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

/** Every module a file names: static imports and exports, `import x = require`, and import(). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

const layerOf = (rel: string): Layer | undefined => rel.split('/')[0] as Layer | undefined;

/** The broken rules of one file (`rel` is its path under src). */
export function violations(rel: string, text: string): string[] {
  const from = layerOf(rel);
  if (!from || !(from in MAY_IMPORT)) return [];
  const out: string[] = [];
  for (const spec of specifiers(text)) {
    if (spec.startsWith('.')) {
      const target = path.relative(SRC, path.resolve(SRC, path.dirname(rel), spec)).split(path.sep).join('/');
      if (target.startsWith('..')) continue;
      const to = layerOf(target)!;
      if (to === from || !(to in MAY_IMPORT) || MAY_IMPORT[from].includes(to) || EXCEPTIONS[rel]?.includes(to)) continue;
      out.push(`${rel} imports ${target} (${from} may not import ${to})`);
    } else {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (NO_PACKAGES[from]?.includes(pkg)) out.push(`${rel} imports the package ${pkg} (${from} may not)`);
    }
  }
  return out;
}

describe('import directions', () => {
  it('every file of src keeps to them', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(100);
    const broken = files.flatMap((f) => violations(path.relative(SRC, f).split(path.sep).join('/'), fs.readFileSync(f, 'utf8')));
    expect(broken).toEqual([]);
  });

  it('the check sees each kind of import that breaks them', () => {
    expect(violations('components/X.tsx', "import { a } from '../screens/keys.ts';")).toEqual(['components/X.tsx imports screens/keys.ts (components may not import screens)']);
    expect(violations('components/X.tsx', "import type { B } from '../engine/jobs/events.ts';")).toHaveLength(1);
    expect(violations('screens/X.ts', "const { x } = await import('../cli/tui.ts');")).toEqual(['screens/X.ts imports cli/tui.ts (screens may not import cli)']);
    expect(violations('screens/X.ts', "import type Docker from 'dockerode';")).toEqual(['screens/X.ts imports the package dockerode (screens may not)']);
    expect(violations('engine/a/b.ts', "export { c } from '../../lab/lab.ts';")).toEqual(['engine/a/b.ts imports lab/lab.ts (engine may not import lab)']);
    expect(violations('engine/a/b.ts', "import React from 'react';\nimport { render } from 'ink';")).toHaveLength(2);
    expect(violations('cli/commands/backup.ts', "await import('../../lab/lab.ts')")).toHaveLength(1);
    expect(violations('cli/commands/lab.ts', "await import('../../lab/lab.ts')")).toEqual([]);
    expect(violations('screens/X.ts', "import { a } from '../components/keys.ts';\nimport { b } from '../engine/kinds/index.ts';")).toEqual([]);
  });
});
