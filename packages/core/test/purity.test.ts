// "No I/O in core" as a failing check: src must not import node:*, stripe, @modelcontextprotocol/* or
// platform APIs, nor read the clock or randomness directly (they come in through ports).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]node:/, 'imports node:*'],
  [/import\(\s*['"]node:/, 'imports node:*'],
  [
    /from\s+['"](fs|path|http|https|crypto|child_process|net|os|url|util|stream|worker_threads)['"]/,
    'imports a Node builtin',
  ],
  [/from\s+['"]stripe['"]/, 'imports stripe'],
  [/from\s+['"]@modelcontextprotocol\//, 'imports the MCP SDK'],
  [/\bprocess\s*\./, 'uses process'],
  [/\bfetch\s*\(/, 'uses fetch'],
  [/\bDate\.now\s*\(/, 'uses Date.now()'],
  [/\bnew Date\(\s*\)/, 'reads the wall clock with new Date()'],
  [/\bMath\.random\s*\(/, 'uses Math.random()'],
  [/\bperformance\s*\./, 'reads the wall clock with performance'],
  [/\brequire\s*\(/, 'uses require'],
];

/** The system clock adapter is the one sanctioned place that reads the wall clock. */
const ALLOWED: Record<string, string[]> = {
  'adapters/clock.ts': ['reads the wall clock with new Date()'],
};

const stripComments = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('@acp/core purity', () => {
  const all = files(SRC);
  it('scans the source tree', () => {
    expect(all.length).toBeGreaterThan(10);
  });
  it.each(all.map((f) => [relative(SRC, f), f]))('%s has no I/O', (rel, file) => {
    const text = stripComments(readFileSync(file, 'utf8'));
    const problems = FORBIDDEN.filter(
      ([re, why]) => re.test(text) && !(ALLOWED[rel] ?? []).includes(why),
    ).map(([, why]) => why);
    expect(problems).toEqual([]);
  });
  it('the scanner itself catches a violation', () => {
    const sample = "import { readFileSync } from 'node:fs';\nconst t = Date.now();";
    expect(FORBIDDEN.filter(([re]) => re.test(sample)).map(([, w]) => w)).toEqual([
      'imports node:*',
      'uses Date.now()',
    ]);
  });
  it('package.json depends on zod and @noble/hashes (synchronous SHA-256) only at runtime', () => {
    const pkg = JSON.parse(readFileSync(resolve(SRC, '../package.json'), 'utf8')) as { dependencies: object };
    expect(Object.keys(pkg.dependencies)).toEqual(['@noble/hashes', 'zod']);
  });
});
