// Collects metrics and target checks; writes bench/results/latest.json and a Markdown table. Given an earlier
// run's JSON (`before`), the tables show its figures in a "Before" column beside this run's.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Metric {
  section: string;
  name: string;
  value: number;
  unit: string;
  extra?: Record<string, unknown>;
}
export interface Target {
  section: string;
  name: string;
  value: number;
  unit: string;
  op: '<=' | '>=';
  limit: number;
  met: boolean;
}

/** What `write` reads back from an earlier run's latest.json. */
export interface EarlierRun {
  mode: string;
  environment: { date: string; loadAverage: number[] };
  targets: Target[];
  metrics: Metric[];
}

export function readEarlierRun(path: string): EarlierRun {
  return JSON.parse(readFileSync(path, 'utf8')) as EarlierRun;
}

/** At most 4 significant digits below 1000 (float noise like 0.8186369999998533 stays out of the table). */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1000 ? String(Math.round(x)) : String(Number(x.toPrecision(4)));
}

export class Reporter {
  readonly metrics: Metric[] = [];
  readonly targets: Target[] = [];
  readonly notes: string[] = [];
  private current = '';

  section(name: string) {
    this.current = name;
    process.stderr.write(`\n## ${name}\n`);
  }
  metric(name: string, value: number, unit: string, extra?: Record<string, unknown>) {
    this.metrics.push({ section: this.current, name, value, unit, ...(extra ? { extra } : {}) });
    process.stderr.write(`  ${name}: ${value} ${unit}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
  }
  target(name: string, value: number, unit: string, op: '<=' | '>=', limit: number) {
    const met = op === '<=' ? value <= limit : value >= limit;
    this.targets.push({ section: this.current, name, value, unit, op, limit, met });
    process.stderr.write(
      `  TARGET ${met ? 'met   ' : 'MISSED'} ${name}: ${value} ${unit} (target ${op} ${limit})\n`,
    );
  }
  note(text: string) {
    this.notes.push(text);
    process.stderr.write(`  note: ${text}\n`);
  }

  environment() {
    return {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      /** 1/5/15-minute load averages when the report is written: other work on the machine skews figures. */
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    };
  }

  write(jsonPath: string, mdPath: string, mode: string, before?: EarlierRun) {
    const env = this.environment();
    writeFileSync(
      jsonPath,
      `${JSON.stringify({ mode, environment: env, targets: this.targets, metrics: this.metrics, notes: this.notes }, null, 2)}\n`,
    );
    const md: string[] = [];
    md.push(
      `Run: ${mode}, ${env.date}, Node ${env.node}, ${env.platform}, ${env.cpus}, ${env.memoryGiB} GiB, load average ${env.loadAverage.join(' / ')} (1/5/15 min) at the end.`,
      '',
    );
    const key = (x: { section: string; name: string }) => `${x.section}\u0000${x.name}`;
    const earlierTargets = new Map((before?.targets ?? []).map((t) => [key(t), t]));
    const earlierMetrics = new Map((before?.metrics ?? []).map((m) => [key(m), m]));
    const was = (x: { value: number; unit: string } | undefined) => (x ? `${fmt(x.value)} ${x.unit}` : '—');
    if (before)
      md.push(
        `Before: ${before.mode} run of ${before.environment.date}, load average ${before.environment.loadAverage.join(' / ')} at its end.`,
        '',
      );
    md.push(
      before ? '| Target | Before | Now | Target | Met |' : '| Target | Measured | Target | Met |',
      before ? '| --- | --- | --- | --- | --- |' : '| --- | --- | --- | --- |',
    );
    for (const t of this.targets)
      md.push(
        `| ${t.name} |${before ? ` ${was(earlierTargets.get(key(t)))} |` : ''} ${fmt(t.value)} ${t.unit} | ${t.op} ${t.limit} ${t.unit} | ${t.met ? 'yes' : '**no**'} |`,
      );
    md.push(
      '',
      before ? '| Section | Metric | Before | Now |' : '| Section | Metric | Value |',
      before ? '| --- | --- | --- | --- |' : '| --- | --- | --- |',
    );
    for (const m of this.metrics)
      md.push(
        `| ${m.section} | ${m.name} |${before ? ` ${was(earlierMetrics.get(key(m)))} |` : ''} ${fmt(m.value)} ${m.unit}${
          m.extra
            ? ` (${Object.entries(m.extra)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        } |`,
      );
    if (this.notes.length) md.push('', ...this.notes.map((n) => `- ${n}`));
    writeFileSync(mdPath, `${md.join('\n')}\n`);
  }
}
