// The campaign's parts and sizes. `reduced` is what CI runs (inside `vitest run`, well under a minute on two
// cores); `full` is the command-line run. Seeds are fixed, so a run is reproducible for a given request order
// (the exact interleaving of concurrent clients still varies, which is the point of running many sessions).
import type { CampaignOptions } from './campaign.js';
import type { CrashPoint } from './crash.js';
import type { DatabaseKind } from './databases.js';

export interface CampaignPlan {
  campaigns: Omit<CampaignOptions, 'log'>[];
  crashes: { database: DatabaseKind; point: CrashPoint }[];
}

export const DEFAULT_SEED = 20260417;

const base = {
  linkShare: 0.35,
  declineShare: 0.25,
  duplicateShare: 0.25,
  webhookDuplicateRate: 0.3,
  stormCallers: 0,
  stripeRetries: 1,
} as const;

export function reducedFaults(seed = DEFAULT_SEED): Omit<CampaignOptions, 'log'> {
  return {
    ...base,
    name: 'sqlite-faults',
    database: 'sqlite',
    instances: 1,
    sessions: 24,
    concurrency: 6,
    seed,
    faultRate: 0.25,
    stripeRetries: 0,
  };
}

export function reducedStorm(seed = DEFAULT_SEED): Omit<CampaignOptions, 'log'> {
  return {
    ...base,
    name: 'postgres-2x-storm',
    database: 'postgres',
    instances: 2,
    sessions: 8,
    concurrency: 4,
    stormCallers: 6,
    seed: seed + 1,
    faultRate: 0.15,
  };
}

export function campaignPlan(mode: 'reduced' | 'full', seed = DEFAULT_SEED): CampaignPlan {
  if (mode === 'reduced') {
    return {
      campaigns: [reducedFaults(seed), reducedStorm(seed)],
      crashes: [
        { database: 'sqlite', point: 'after_charge' },
        { database: 'postgres', point: 'after_charge' },
      ],
    };
  }
  return {
    campaigns: [
      {
        ...base,
        name: 'sqlite-faults',
        database: 'sqlite',
        instances: 1,
        sessions: 200,
        concurrency: 16,
        seed,
        faultRate: 0.2,
        stripeRetries: 0,
      },
      {
        ...base,
        name: 'postgres-faults',
        database: 'postgres',
        instances: 1,
        sessions: 200,
        concurrency: 16,
        seed: seed + 2,
        faultRate: 0.3,
      },
      {
        ...base,
        name: 'postgres-2x-faults',
        database: 'postgres',
        instances: 2,
        sessions: 200,
        concurrency: 16,
        seed: seed + 3,
        faultRate: 0.2,
      },
      {
        ...base,
        name: 'postgres-2x-storm',
        database: 'postgres',
        instances: 2,
        sessions: 60,
        concurrency: 8,
        stormCallers: 8,
        seed: seed + 1,
        faultRate: 0.2,
      },
    ],
    crashes: [
      { database: 'sqlite', point: 'after_charge' },
      { database: 'sqlite', point: 'before_charge' },
      { database: 'postgres', point: 'after_charge' },
      { database: 'postgres', point: 'before_charge' },
    ],
  };
}
