/**
 * Enrollment and submission templates: one per capability and per demand signature, drawn from
 * a realistic mix of models, GPUs, regions and runtimes. Matching cost follows signatures, so
 * these fix what every pool of the benchmark has to match, whatever its number of workers.
 */
import { capabilitySignature, demandSignature } from '../../domain/pool/index.ts';
import type { Capability, Demand } from '../../domain/pool/index.ts';
import type { EventOf } from '../../events/index.ts';
import { CAPABILITY_SIGNATURES, DEMAND_SIGNATURES, POOL, PROJECTS } from './knobs.ts';
import { chance, pick, some } from './random.ts';
import { validEvent } from './valid-event.ts';
import type { EventData } from './valid-event.ts';

const MODELS = ['llama-3.1-8b', 'llama-3.1-70b', 'mistral-7b', 'qwen2-72b', 'whisper-large'];
const GPUS = [
  { gpu: 'l4', vram: 24 },
  { gpu: 'a100', vram: 80 },
  { gpu: 'h100', vram: 80 },
  { gpu: 'a10g', vram: 24 },
];
const REGIONS = ['eu-west', 'us-east', 'ap-south'];
const CUDA = ['11.8', '12.1', '12.4']; // numeric strings: compared as numbers by gt/gte/lt/lte
const RUNTIMES = [
  { kind: 'process' },
  { kind: 'docker', memoryMb: 32_768 },
  { kind: 'kubernetes', memoryMb: 65_536 },
  { kind: 'lambda', maxDurationMs: 900_000, memoryMb: 10_240 },
] as const;

const LABEL_CONSTRAINTS = [
  { key: 'vram', op: 'gte', value: 40 },
  { key: 'gpu', op: 'in', values: ['a100', 'h100'] },
  { key: 'region', op: 'eq', value: 'eu-west' },
  { key: 'cuda', op: 'gte', value: 12 },
  { key: 'spot', op: 'neq', value: true },
  { key: 'region', op: 'notIn', values: ['ap-south'] },
] as const;

export const capabilityOf = (e: EventOf<'worker.enrolled'>): Capability => ({
  project: e.data.project,
  pool: e.data.pool,
  models: e.data.models,
  labels: e.data.labels,
  exclusive: e.data.exclusive,
  runtime: e.data.runtime,
});

export const demandOf = (e: EventOf<'task.submitted'>): Demand => {
  const { project, pool, requirements, timeoutMs } = e.data;
  return { project, pool, requirements, timeoutMs };
};

/** Enrollment templates: one per capability signature (the worker id is filled in later). */
export const enrollmentTemplates = (): EventOf<'worker.enrolled'>[] => {
  const out: EventOf<'worker.enrolled'>[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < CAPABILITY_SIGNATURES; i++) {
    const g = pick(GPUS);
    const reserved = chance(0.1);
    const labels: Record<string, string | number | boolean> = {
      gpu: g.gpu,
      vram: g.vram,
      region: pick(REGIONS),
      cuda: pick(CUDA),
    };
    if (chance(0.3)) labels['spot'] = true;
    if (reserved) labels['reserved'] = 'team-a';
    const e = validEvent('worker.enrolled', {
      workerId: 'template',
      project: PROJECTS[out.length % PROJECTS.length] ?? 'health-prod',
      pool: POOL,
      keyId: 'k1',
      models: some(MODELS, 1, 2),
      labels,
      exclusive: reserved ? ['reserved'] : [],
      runtime: { ...pick(RUNTIMES) },
      capacity: 1,
    });
    const sig = capabilitySignature(capabilityOf(e));
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(e);
  }
  return out;
};

/** Submission templates: one per demand signature (the task id is filled in later). */
export const submissionTemplates = (): EventOf<'task.submitted'>[] => {
  const out: EventOf<'task.submitted'>[] = [];
  const seen = new Set<string>();
  while (out.length < DEMAND_SIGNATURES) {
    const req: EventData<'task.submitted'>['requirements'] = {
      labels: some(LABEL_CONSTRAINTS, 0, 2).map((c) =>
        'values' in c ? { ...c, values: [...c.values] } : { ...c },
      ),
    };
    if (chance(0.8)) req.models = some(MODELS, 1, 2);
    if (chance(0.1)) req.labels = [...(req.labels ?? []), { key: 'reserved', op: 'exists' }];
    if (chance(0.3)) req.runtimes = some(['process', 'docker', 'kubernetes', 'lambda'], 1, 3);
    if (chance(0.2)) req.memoryMb = 16_384;
    const e = validEvent('task.submitted', {
      taskId: 'template',
      project: PROJECTS[out.length % PROJECTS.length] ?? 'health-prod',
      pool: POOL,
      requirements: req,
      timeoutMs: pick([60_000, 300_000, 1_800_000]),
    });
    const sig = demandSignature(demandOf(e));
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(e);
  }
  return out;
};
