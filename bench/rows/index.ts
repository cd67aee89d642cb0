import type { Row } from '../lib/types.ts';
import { callerCost } from './caller-cost.ts';
import { jsonlWrite } from './jsonl-write.ts';
import { memoryClients, memoryGroups, memorySustained } from './memory.ts';
import { otlpIngest } from './otlp-ingest.ts';
import { throughput } from './throughput.ts';

/** Every row, in table order. */
export const rows: Row[] = [callerCost, throughput, jsonlWrite, otlpIngest, memoryGroups, memoryClients, memorySustained];
