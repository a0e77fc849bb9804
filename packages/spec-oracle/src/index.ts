// Test-only oracle: the official ACP JSON Schema bundle, read from ../shared/acp-spec (never copied into
// this repository), compiled with Ajv2020 (strict: false) + ajv-formats as the spec digest recommends.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireService } from '@acp/test-env';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (this file is packages/spec-oracle/src/index.ts or dist/index.js). */
const repoRoot = resolve(here, '../../..');

export const SPEC_VERSION = '2026-04-17';

/** Where the official spec copy is expected: `$ACP_SPEC_DIR`, else `<repo>/../shared/acp-spec`. */
export function specDir(): string {
  return process.env.ACP_SPEC_DIR ?? resolve(repoRoot, '../shared/acp-spec');
}

export function specAvailable(): boolean {
  return existsSync(resolve(specDir(), 'spec', SPEC_VERSION, 'json-schema', 'schema.agentic_checkout.json'));
}

/**
 * For `describe.skipIf(!specPresent())`: returns whether the spec is present, but throws when it is missing
 * and CI=true, so a missing spec fails CI instead of silently skipping. Elsewhere it prints why it skips.
 */
export function specPresent(): boolean {
  if (specAvailable()) return true;
  return requireService(
    `the ACP spec (${specDir()})`,
    'not found',
    'Set ACP_SPEC_DIR or put the shared folder beside the repository.',
  );
}

export function readSpecJson<T = unknown>(...relative: string[]): T {
  return JSON.parse(readFileSync(resolve(specDir(), ...relative), 'utf8')) as T;
}

export const CHECKOUT_BUNDLE_ID = 'https://example.com/schemas/agentic-checkout/bundle.schema.json';

type Bundle = { $id: string; $defs: Record<string, unknown> };

let cached: { ajv: Ajv2020; bundle: Bundle } | undefined;
const validators = new Map<string, ValidateFunction>();

function load() {
  if (cached) return cached;
  const bundle = readSpecJson<Bundle>('spec', SPEC_VERSION, 'json-schema', 'schema.agentic_checkout.json');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => Ajv2020;
  addFormats(ajv);
  ajv.addSchema(bundle);
  cached = { ajv, bundle };
  return cached;
}

/** The checkout bundle itself (parsed JSON). */
export function checkoutBundle(): Bundle {
  return load().bundle;
}

export interface OracleResult {
  valid: boolean;
  errors: ErrorObject[];
  /** One line per error, `instancePath message`, for assertion messages. */
  text: string;
}

/** Validates `value` against `$defs/<defName>` of the official checkout bundle. */
export function validateDef(defName: string, value: unknown): OracleResult {
  const { ajv, bundle } = load();
  let validate = validators.get(defName);
  if (!validate) {
    if (!(defName in bundle.$defs)) throw new Error(`no $defs/${defName} in the ACP bundle`);
    const found = ajv.getSchema(`${CHECKOUT_BUNDLE_ID}#/$defs/${defName}`);
    if (!found) throw new Error(`cannot compile $defs/${defName}`);
    validate = found;
    validators.set(defName, validate);
  }
  const valid = validate(value) as boolean;
  const errors = valid ? [] : [...(validate.errors ?? [])];
  return {
    valid,
    errors,
    text: errors
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
      .join('\n'),
  };
}

/** Throws with a readable message when `value` does not validate against `$defs/<defName>`. */
export function assertValidDef(defName: string, value: unknown, label = defName): void {
  const r = validateDef(defName, value);
  if (!r.valid) {
    throw new Error(`${label} is not a valid ACP ${defName}:\n${r.text}\n${JSON.stringify(value, null, 2)}`);
  }
}

/** The checkout examples file, keyed by example name. */
export function checkoutExamples(): Record<string, unknown> {
  return readSpecJson('examples', SPEC_VERSION, 'examples.agentic_checkout.json');
}

/** The MCP binding examples file. */
export function mcpExamples(): unknown {
  return readSpecJson('examples', SPEC_VERSION, 'examples.mcp.agentic_checkout.json');
}
