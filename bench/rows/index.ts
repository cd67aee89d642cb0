import type { Row } from '../lib/types.ts';
import { callerCost } from './caller-cost.ts';
import { fleetIngest, fleetWrites } from './fleet.ts';
import { jsonlWrite } from './jsonl-write.ts';
import { latency } from './latency.ts';
import { memoryClients, memoryGroups, memoryModerate, memorySustained } from './memory.ts';
import { otlpGrpcIngest, otlpIngest } from './otlp-ingest.ts';
import { stages } from './stages.ts';
import { firstTrack, idleMemory } from './start-up.ts';
import { throughput } from './throughput.ts';

/** Every row, in table order. */
export const rows: Row[] = [
  callerCost,
  throughput,
  stages,
  jsonlWrite,
  otlpIngest,
  otlpGrpcIngest,
  memoryGroups,
  memoryClients,
  memorySustained,
  memoryModerate,
  latency,
  idleMemory,
  firstTrack,
  fleetIngest,
  fleetWrites,
];
