// CPU profiles of measured windows, and their analysis. `startProfiling()` records a V8 sampling profile of
// this process through the inspector (the same `.cpuprofile` format `node --cpu-prof` writes, but only the
// window that matters: no start-up, no warm-up); `analyzeProfile()` turns one into
// - self time per function, with the function's TypeScript file:line (through the packages' source maps)
//   and its hottest line; natives (JSON.stringify, structuredClone, RegExp…) are named with their JS caller;
// - inclusive time per function;
// - self time per category (zod parse, PAN scan, canonical JSON, SHA-256, wire rendering, store, HTTP…):
//   each sample goes to the innermost frame of its stack that a category claims, natives and
//   `structuredClone`'s internals counting for their caller.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string;
}
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** The repository root (bench/dist/.. or bench/src/..): locations are shown relative to it. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// ------------------------------------------------------------------------------------------ recording

/** Starts sampling this process every `intervalMicros` (default 100 µs); `stop()` returns the profile. */
export async function startProfiling(intervalMicros = 100): Promise<{ stop(): Promise<CpuProfile> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await session.post('Profiler.disable');
      session.disconnect();
      return profile as CpuProfile;
    },
  };
}

export function writeProfile(profile: CpuProfile, file: string): void {
  writeFileSync(file, JSON.stringify(profile));
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

// ------------------------------------------------------------------------------------------ locations

interface MappedFile {
  map: SourceMap | undefined;
  lines: string[];
}
const files = new Map<string, MappedFile>();

function mappedFile(path: string): MappedFile {
  let f = files.get(path);
  if (!f) {
    let map: SourceMap | undefined;
    let lines: string[] = [];
    try {
      lines = readFileSync(path, 'utf8').split('\n');
      if (existsSync(`${path}.map`))
        map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as SourceMapPayload);
    } catch {
      // Not readable: shown unmapped.
    }
    f = { map, lines };
    files.set(path, f);
  }
  return f;
}

interface Location {
  /** `packages/core/src/pan.ts:120` (source-mapped), `zod/v4/core/schemas.js:88`, `node:net:1`, `(native)`. */
  label: string;
  /** The (original) source file and its 1-based line, when on disk. */
  file?: string;
  line: number;
}

function locate(url: string, line0: number, column0: number): Location {
  if (url === '') return { label: '(native)', line: 0 };
  if (!url.startsWith('file://')) return { label: `${url}:${line0 + 1}`, line: line0 + 1 };
  const path = fileURLToPath(url);
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0)
    return { label: `${path.slice(nm + '/node_modules/'.length)}:${line0 + 1}`, file: path, line: line0 + 1 };
  const { map } = mappedFile(path);
  if (map) {
    const e = map.findEntry(line0, column0);
    if ('originalSource' in e) {
      const source = e.originalSource.startsWith('file://')
        ? fileURLToPath(e.originalSource)
        : resolve(dirname(path), e.originalSource);
      return {
        label: `${relative(ROOT, source)}:${e.originalLine + 1}`,
        file: source,
        line: e.originalLine + 1,
      };
    }
  }
  return { label: `${relative(ROOT, path)}:${line0 + 1}`, file: path, line: line0 + 1 };
}

const place = (url: string, line0: number, column0: number) => locate(url, line0, column0).label;

/** A 1-based generated line (at its first non-blank column), mapped, with its source text. */
function lineOf(url: string, line1: number): string {
  let loc: Location;
  if (url.startsWith('file://')) {
    const { lines } = mappedFile(fileURLToPath(url));
    const text = lines[line1 - 1] ?? '';
    loc = locate(url, line1 - 1, Math.max(0, text.search(/\S/)));
  } else loc = locate(url, line1 - 1, 0);
  const text = loc.file ? (sourceLines(loc.file)[loc.line - 1] ?? '').trim() : '';
  const short = text.length > 70 ? `${text.slice(0, 67)}...` : text;
  return short ? `${loc.label} \`${short.replaceAll('`', "'").replaceAll('|', '\\|')}\`` : loc.label;
}

const sources = new Map<string, string[]>();
function sourceLines(file: string): string[] {
  let lines = sources.get(file);
  if (!lines) {
    try {
      lines = readFileSync(file, 'utf8').split('\n');
    } catch {
      lines = [];
    }
    sources.set(file, lines);
  }
  return lines;
}

// ------------------------------------------------------------------------------------------ categories

export interface Category {
  name: string;
  /** True when a frame belongs to this category (url: the script's URL; path: its readable place). */
  match(frame: { functionName: string; url: string; place: string }): boolean;
}

const inPkg = (pkg: string, file?: string) => (f: { place: string }) =>
  f.place.startsWith(`packages/${pkg}/src/`) &&
  (file === undefined || f.place.startsWith(`packages/${pkg}/src/${file}`));
const inModule = (name: string) => (f: { place: string }) => f.place.startsWith(`${name}/`);

/** Node's HTTP, net and stream code: split into client and server side by the stack (see CLIENT_SIDE). */
const NODE_IO = 'Node HTTP, net, streams';
/** A stack through one of these is an outgoing request (or its answer). */
const CLIENT_SIDE = /^(node:_http_client|node:_http_agent|stripe\/|undici\/)/;

/**
 * Categories for every process the benchmarks profile (engine, REST server, emulator, agent), most specific
 * first. A frame no category claims is grouped by its package (`zod`, `node:internal`…).
 */
export const CATEGORIES: Category[] = [
  { name: 'GC', match: (f) => f.functionName === '(garbage collector)' },
  { name: 'V8 (program: compiler, ICs, runtime)', match: (f) => f.functionName === '(program)' },
  { name: 'deepFreeze (render cache)', match: (f) => f.functionName === 'deepFreeze' },
  { name: 'PAN scan', match: inPkg('core', 'pan.ts') },
  { name: 'canonical JSON', match: inPkg('core', 'util/canonical-json.ts') },
  {
    name: 'SHA-256',
    match: (f) =>
      inPkg('core', 'util/sha256.ts')(f) || inPkg('core', 'node.ts')(f) || inModule('@noble/hashes')(f),
  },
  { name: 'toWireSession / wire rendering', match: inPkg('core', 'engine/wire.ts') },
  {
    name: 'memory store (JSON rows: packing, JSON.parse/stringify)',
    match: (f) => inPkg('core', 'memory/')(f) || inPkg('core', 'memory-store.ts')(f),
  },
  { name: 'engine (transitions, cart, totals)', match: inPkg('core', 'engine/') },
  {
    name: 'catalog / pricing / fake PSP (adapters, testing)',
    match: (f) => inPkg('core', 'adapters/')(f) || inPkg('core', 'testing/')(f),
  },
  { name: 'zod parse', match: (f) => inModule('zod')(f) },
  {
    name: 'core service shell (idempotency, CAS loop, parse glue)',
    match: (f) => inPkg('core', 'service/')(f) || inPkg('core', 'service.ts')(f),
  },
  { name: 'core other (errors, config, status, versions)', match: inPkg('core') },
  { name: '@acp/mcp-http', match: inPkg('mcp-http') },
  { name: '@acp/mcp-server', match: inPkg('mcp-server') },
  { name: '@acp/stripe (gateway)', match: inPkg('stripe') },
  { name: '@acp/stripe-emulator', match: inPkg('stripe-emulator') },
  {
    name: 'SQLite store (better-sqlite3)',
    match: (f) => inPkg('store-sqlite')(f) || inModule('better-sqlite3')(f),
  },
  {
    name: 'PostgreSQL store (pg)',
    match: (f) => inPkg('store-postgres')(f) || /^pg(-[a-z]+)?\//.test(f.place),
  },
  { name: 'stripe-node', match: inModule('stripe') },
  { name: 'undici (agent HTTP client)', match: inModule('undici') },
  { name: 'MCP SDK', match: inModule('@modelcontextprotocol') },
  { name: 'bench driver', match: (f) => f.place.startsWith('bench/') },
  {
    name: 'promise / microtask plumbing',
    match: (f) => f.place.startsWith('node:internal/process/task_queues'),
  },
  {
    name: NODE_IO,
    match: (f) =>
      /^node:(_http_|http|https|net|stream|internal\/(http|stream|streams|net|js_stream|webstreams))/.test(
        f.place,
      ) || /^node:internal\/(child_process|dns)/.test(f.place),
  },
];

/** Frames that count for their caller: natives and `structuredClone`'s Node wrapper. */
const transparent = (f: { url: string; functionName: string }) =>
  f.url === '' && !f.functionName.startsWith('(') ? true : f.url.startsWith('node:internal/structured_clone');

function fallbackCategory(p: string): string {
  if (p.startsWith('node:')) return 'Node internals (other)';
  if (p.startsWith('(')) return p;
  const slash = p.indexOf('/');
  const pkg = p.startsWith('@') ? p.slice(0, p.indexOf('/', slash + 1)) : p.slice(0, slash);
  return pkg.startsWith('packages') || pkg.startsWith('apps') ? p.split('/').slice(0, 2).join('/') : pkg;
}

// ------------------------------------------------------------------------------------------ analysis

export interface FunctionTime {
  /** `name (file:line)`; natives: `JSON.stringify-like name ← caller (file:line)`. */
  name: string;
  ms: number;
  share: number;
  /** The function's hottest line and its share of the function's self samples (JS functions only). */
  hotLine?: string;
}

export interface ProfileAnalysis {
  /** Non-idle samples × the sampling interval (ms). */
  busyMs: number;
  idleMs: number;
  samples: number;
  categories: { name: string; ms: number; share: number }[];
  self: FunctionTime[];
  total: FunctionTime[];
}

/** Frames under nearly every sample: left out of the inclusive ranking. */
const PLUMBING = new Set(['(root)', 'runMicrotasks', 'processTicksAndRejections']);

interface NodeInfo {
  parent: number | undefined;
  frame: CallFrame;
  place: string;
  key: string;
  category: string | undefined;
}

/**
 * The analysis of one profile, or of several merged (e.g. repeated runs of a short start-up). Every sample
 * weighs the same: on a loaded machine a thread that waits for a core collects one sample for the whole wait
 * (the sampler's signals coalesce), so counting samples follows CPU time better than summing the gaps.
 */
export function analyzeProfile(profiles: CpuProfile | CpuProfile[], top = 15): ProfileAnalysis {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const categories = new Map<string, number>();
  const lineTicks = new Map<string, Map<number, number>>();
  const urlOf = new Map<string, string>();
  const gaps: number[] = [];
  let busy = 0;
  let idle = 0;
  let count = 0;
  const add = (m: Map<string, number>, key: string, n = 1) => m.set(key, (m.get(key) ?? 0) + n);

  for (const profile of Array.isArray(profiles) ? profiles : [profiles]) {
    const byId = nodesOf(profile);
    const samples = profile.samples ?? [];
    count += samples.length;
    for (const d of profile.timeDeltas ?? []) if (d > 0) gaps.push(d);
    const catCache = new Map<number, string>();
    const keyCache = new Map<number, string>();
    for (const id of samples) {
      const leaf = byId.get(id)!;
      if (leaf.frame.functionName === '(idle)') {
        idle++;
        continue;
      }
      busy++;
      let key = keyCache.get(id);
      if (key === undefined) {
        key = selfKey(byId, id);
        keyCache.set(id, key);
      }
      add(self, key);
      let cat = catCache.get(id);
      if (cat === undefined) {
        cat = categoryOf(byId, id);
        catCache.set(id, cat);
      }
      add(categories, cat);
      const seen = new Set<string>();
      for (let j: number | undefined = id; j !== undefined; j = byId.get(j)?.parent) {
        const n = byId.get(j)!;
        if (PLUMBING.has(n.frame.functionName) || seen.has(n.key)) continue;
        seen.add(n.key);
        add(total, n.key);
      }
    }
    // Hottest line of each JS function (positionTicks, summed over the function's nodes).
    for (const n of profile.nodes) {
      if (!n.positionTicks?.length || n.callFrame.url === '') continue;
      const key = byId.get(n.id)!.key;
      urlOf.set(key, n.callFrame.url);
      let m = lineTicks.get(key);
      if (!m) {
        m = new Map();
        lineTicks.set(key, m);
      }
      for (const t of n.positionTicks) m.set(t.line, (m.get(t.line) ?? 0) + t.ticks);
    }
  }

  const hotLine = (key: string): string | undefined => {
    const m = lineTicks.get(key);
    if (!m) return undefined;
    let best = 0;
    let bestTicks = 0;
    let all = 0;
    for (const [line, ticks] of m) {
      all += ticks;
      if (ticks > bestTicks) [best, bestTicks] = [line, ticks];
    }
    return `${Math.round((bestTicks / all) * 100)} % at ${lineOf(urlOf.get(key)!, best)}`;
  };
  // The sampling interval: the median gap between samples.
  const interval = gaps.sort((x, y) => x - y)[gaps.length >> 1] ?? 0;
  const ms = (n: number) => (n * interval) / 1000;
  const rank = (m: Map<string, number>, n: number, withLine: boolean): FunctionTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, k]) => {
        const line = withLine ? hotLine(name) : undefined;
        return { name, ms: ms(k), share: busy ? k / busy : 0, ...(line ? { hotLine: line } : {}) };
      });
  return {
    busyMs: ms(busy),
    idleMs: ms(idle),
    samples: count,
    categories: [...categories.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, k]) => ({ name, ms: ms(k), share: busy ? k / busy : 0 })),
    self: rank(self, top, true),
    total: rank(total, top * 2, false),
  };
}

/** A frame as `classifySamples` shows it. */
export interface Frame {
  functionName: string;
  url: string;
  /** Readable place (see `locate`), e.g. `packages/core/src/pan.ts:120`. */
  place: string;
  /** 0-based, as in the profile: a module's top-level code is the anonymous function at 0:0. */
  lineNumber: number;
  columnNumber: number;
}

/** What `classifySamples` tells about a sample besides its stack. */
export interface SampleInfo {
  /** When it was taken: µs on the monotonic clock (`process.hrtime()`'s). */
  timestamp: number;
  /** Its category, as in `analyzeProfile`. */
  category: string;
}

/**
 * Shares of the non-idle samples by a caller-defined classification: `classify` sees each sample's stack
 * (leaf first), its time and its category, and names its class.
 */
export function classifySamples(
  profiles: CpuProfile[],
  classify: (stack: Frame[], sample: SampleInfo) => string,
): { name: string; share: number }[] {
  const counts = new Map<string, number>();
  let busy = 0;
  for (const profile of profiles) {
    const byId = nodesOf(profile);
    const stacks = new Map<number, { stack: Frame[]; category: string }>();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    let timestamp = profile.startTime;
    for (let k = 0; k < samples.length; k++) {
      timestamp += deltas[k] ?? 0;
      const id = samples[k]!;
      if (byId.get(id)!.frame.functionName === '(idle)') continue;
      busy++;
      let s = stacks.get(id);
      if (s === undefined) {
        const stack: Frame[] = [];
        for (let i: number | undefined = id; i !== undefined; i = byId.get(i)?.parent) {
          const n = byId.get(i)!;
          stack.push({ ...n.frame, place: n.place });
        }
        s = { stack, category: categoryOf(byId, id) };
        stacks.set(id, s);
      }
      const c = classify(s.stack, { timestamp, category: s.category });
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((x, y) => y[1] - x[1])
    .map(([name, n]) => ({ name, share: busy ? n / busy : 0 }));
}

/** Now on the clock of profile timestamps (µs, monotonic). */
export function profileClockMicros(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

/** The package of a readable place: `zod`, `@modelcontextprotocol/server`, `packages/core`, `node:internal`. */
export function packageOf(place: string): string {
  if (place.startsWith('node:')) return 'node:internal';
  const parts = place.split('/');
  if (parts[0] === 'packages' || parts[0] === 'apps' || parts[0]?.startsWith('@'))
    return parts.slice(0, 2).join('/');
  return parts[0] ?? place;
}

function nodesOf(profile: CpuProfile): Map<number, NodeInfo> {
  const byId = new Map<number, NodeInfo>();
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const p =
      f.functionName.startsWith('(') && f.url === ''
        ? f.functionName
        : place(f.url, f.lineNumber, f.columnNumber);
    const frame = { functionName: f.functionName, url: f.url, place: p };
    const category = transparent(f) ? undefined : CATEGORIES.find((c) => c.match(frame))?.name;
    byId.set(n.id, {
      parent: parentOf.get(n.id),
      frame: f,
      place: p,
      key: `${f.functionName || '(anonymous)'} (${p})`,
      category,
    });
  }
  return byId;
}

/** The nearest frame with a script (natives are named with it). */
function jsCaller(byId: Map<number, NodeInfo>, id: number | undefined): NodeInfo | undefined {
  for (let i = id; i !== undefined; i = byId.get(i)?.parent) {
    const n = byId.get(i)!;
    if (n.frame.url !== '') return n;
  }
  return undefined;
}

function selfKey(byId: Map<number, NodeInfo>, id: number): string {
  const n = byId.get(id)!;
  if (n.frame.url !== '' || n.frame.functionName.startsWith('(')) return n.key;
  const caller = jsCaller(byId, n.parent);
  return `(native) ${n.frame.functionName || '(anonymous)'} ← ${caller ? caller.key : '(root)'}`;
}

function categoryOf(byId: Map<number, NodeInfo>, id: number): string {
  for (let i: number | undefined = id; i !== undefined; i = byId.get(i)?.parent) {
    const c = byId.get(i)!.category;
    if (c === NODE_IO) {
      let client = false;
      for (let j: number | undefined = i; j !== undefined && !client; j = byId.get(j)?.parent)
        client = CLIENT_SIDE.test(byId.get(j)!.place);
      return `${NODE_IO} (${client ? 'client side: outgoing requests' : 'server side'})`;
    }
    if (c) return c;
  }
  const caller = jsCaller(byId, id);
  return fallbackCategory(caller?.place ?? byId.get(id)!.place);
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * Markdown tables of an analysis. With `perUnit` (e.g. `{ label: 'µs per engine call', micros: 190 }`), each
 * share is also shown as that much of the unit (the share × the measured CPU per unit).
 */
export function formatAnalysis(
  title: string,
  a: ProfileAnalysis,
  perUnit?: { label: string; micros: number },
): string {
  const unit = (share: number) => (perUnit ? ` | ${(share * perUnit.micros).toFixed(1)}` : '');
  const unitHead = perUnit ? ` | ${perUnit.label}` : '';
  const unitSep = perUnit ? ' | ---:' : '';
  const out = [
    `### ${title}`,
    '',
    `${a.samples} samples, ≈ ${a.busyMs.toFixed(0)} ms busy${a.idleMs ? `, ≈ ${a.idleMs.toFixed(0)} ms idle (excluded)` : ''}. Shares are of the main thread's non-idle samples${perUnit ? `; the "${perUnit.label}" column is the share × the process's CPU time per unit (process.cpuUsage()), which includes GC and other threads` : ''}.`,
    '',
    `| Category (self time) | share${unitHead} |`,
    `| --- | ---:${unitSep} |`,
    ...a.categories
      .filter((c) => c.share >= 0.002)
      .map((c) => `| ${c.name} | ${pct(c.share)}${unit(c.share)} |`),
    '',
    `| # | Function (self time) | share${unitHead} | hottest line |`,
    `| ---: | --- | ---:${unitSep} | --- |`,
    ...a.self.map(
      (f, i) => `| ${i + 1} | ${f.name} | ${pct(f.share)}${unit(f.share)} | ${f.hotLine ?? ''} |`,
    ),
    '',
    `| Function (inclusive time) | share${unitHead} |`,
    `| --- | ---:${unitSep} |`,
    ...a.total.map((f) => `| ${f.name} | ${pct(f.share)}${unit(f.share)} |`),
    '',
  ];
  return out.join('\n');
}
