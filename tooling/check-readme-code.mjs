#!/usr/bin/env node
// Type-checks every TypeScript code block of every README, so that the docs cannot drift from the code.
//
//   node tooling/check-readme-code.mjs          (also: npx -y pnpm@10.34.9 run check:readme; CI runs it)
//
// Which blocks: every fenced block opened with ```ts or ```typescript in README.md at the repository root and in
// packages/*, apps/*, examples/* (and examples/README.md). Blocks in other languages (```sh, ```json, ```js, or a
// bare ```) are not checked: mark a block that is deliberately not TypeScript as its real language.
//
// How: each block is written to tooling/readme-code/.blocks/<readme>-<n>.ts (git-ignored) as its own ES module
// (`export {}` is appended), and `tsc --noEmit` compiles them all with the workspace's strict settings, inside the
// private workspace package tooling/readme-code, whose dependencies are every workspace package plus the
// third-party libraries the READMEs import (stripe, the MCP SDKs, zod, express). Errors are reported at the
// README's own file and line.
//
// Conventions for fragments (documented in CONTRIBUTING.md):
// - A block may use, without declaring them, the names declared in tooling/readme-code/prelude.d.ts: values a
//   reader has from the surrounding text (`service`, `catalog`, `products`, `gateway`, `stripe`, `total`, …). A
//   block that declares one of them itself simply shadows it. Add a name there only when several blocks need it.
// - A block whose first line is `// @check-skip: <reason>` is not compiled (the comment is shown to readers, so
//   give the reason). Use it sparingly: for pseudo-code, or a shape that cannot be compiled by design.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'tooling/readme-code');
const blocksDir = join(work, '.blocks');

function readmes() {
  const found = [join(root, 'README.md'), join(root, 'examples/README.md')];
  for (const group of ['packages', 'apps', 'examples']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) found.push(join(dir, name, 'README.md'));
  }
  return found.filter((f) => existsSync(f));
}

/** The ```ts blocks of a Markdown file: their code and the README line of their first code line. */
function extractBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  let open;
  for (const [i, line] of lines.entries()) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (!open) {
      if (fence) open = { fence: fence[2], lang: fence[3].toLowerCase(), start: i + 2, code: [] };
      continue;
    }
    if (fence?.[2].startsWith(open.fence[0]) && fence[2].length >= open.fence.length && !fence[3]) {
      if (open.lang === 'ts' || open.lang === 'typescript')
        blocks.push({ line: open.start, code: open.code.join('\n') });
      open = undefined;
      continue;
    }
    open.code.push(line);
  }
  // A block left open at the end of the file would be skipped silently: a README mistake worth failing on.
  if (open) throw new Error(`a \`\`\`${open.lang} block opened at line ${open.start - 1} is never closed`);
  return blocks;
}

rmSync(blocksDir, { recursive: true, force: true });
mkdirSync(blocksDir, { recursive: true });
/** Generated file name → { readme, line } of its first code line. */
const origin = new Map();
let checked = 0;
let skipped = 0;
for (const readme of readmes()) {
  const rel = relative(root, readme);
  const slug = rel.replace(/\/?README\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-') || 'root';
  for (const [n, block] of extractBlocks(readFileSync(readme, 'utf8')).entries()) {
    if (/^\s*\/\/\s*@check-skip\b/.test(block.code)) {
      if (!/^\s*\/\/\s*@check-skip:\s*\S/.test(block.code)) {
        console.error(`${rel}:${block.line}: @check-skip needs a reason (// @check-skip: <reason>)`);
        process.exitCode = 1;
      }
      skipped++;
      continue;
    }
    const file = `${slug}-${n + 1}.ts`;
    writeFileSync(join(blocksDir, file), `${block.code}\nexport {};\n`);
    origin.set(file, { readme: rel, line: block.line });
    checked++;
  }
}

const tsc = join(root, 'node_modules/typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(work, 'tsconfig.json'), '--pretty', 'false'], {
  cwd: work,
  encoding: 'utf8',
});
const output = `${run.stdout}${run.stderr}`;
// `.blocks/packages-core-1.ts(12,3): error TS2304: …` → `packages/core/README.md:<line>: error TS2304: …`
const mapped = output
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => {
    const m = /^\.blocks\/([^()]+)\((\d+),(\d+)\): (.*)$/.exec(l);
    const o = m && origin.get(m[1]);
    return o ? `${o.readme}:${o.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}` : l;
  });
if (run.status !== 0 || mapped.length > 0) {
  console.error(mapped.join('\n'));
  console.error(`\nREADME code check failed (${checked} blocks compiled, ${skipped} skipped).`);
  process.exit(1);
}
console.log(`README code check: ${checked} TypeScript blocks compile (${skipped} marked @check-skip).`);
