import type { Row } from '../lib/types.ts';
import { callerCost } from './caller-cost.ts';

/** Every row, in table order. */
export const rows: Row[] = [callerCost];
