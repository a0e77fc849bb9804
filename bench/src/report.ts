// Collects metrics and target checks; writes bench/results/latest.json and a Markdown table.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

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
    };
  }

  write(jsonPath: string, mdPath: string, mode: string) {
    const env = this.environment();
    writeFileSync(
      jsonPath,
      `${JSON.stringify({ mode, environment: env, targets: this.targets, metrics: this.metrics, notes: this.notes }, null, 2)}\n`,
    );
    const md: string[] = [];
    md.push(
      `Run: ${mode}, ${env.date}, Node ${env.node}, ${env.platform}, ${env.cpus}, ${env.memoryGiB} GiB.`,
      '',
    );
    md.push('| Target | Measured | Target | Met |', '| --- | --- | --- | --- |');
    for (const t of this.targets)
      md.push(
        `| ${t.name} | ${t.value} ${t.unit} | ${t.op} ${t.limit} ${t.unit} | ${t.met ? 'yes' : '**no**'} |`,
      );
    md.push('', '| Section | Metric | Value |', '| --- | --- | --- |');
    for (const m of this.metrics)
      md.push(
        `| ${m.section} | ${m.name} | ${m.value} ${m.unit}${
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
