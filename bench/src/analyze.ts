// `node bench/dist/analyze.js <file.cpuprofile>… [--top=15]`: prints the analysis of CPU profiles (from
// `ACP_BENCH_PROFILE`, `node --cpu-prof`, or DevTools) as Markdown: self time by category, the top functions
// by self time with their TypeScript file:line and hottest line, and the top functions by inclusive time.
import { basename } from 'node:path';
import { analyzeProfile, formatAnalysis, readProfile } from './profile.js';

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 15);
const paths = args.filter((a) => !a.startsWith('--'));
if (paths.length === 0) {
  process.stderr.write('usage: node bench/dist/analyze.js <file.cpuprofile>... [--top=15]\n');
  process.exitCode = 2;
}
for (const path of paths)
  process.stdout.write(`${formatAnalysis(basename(path), analyzeProfile(readProfile(path), top))}\n`);
