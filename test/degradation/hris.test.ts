// Degradation property for the HR roster export: any degraded reply may turn employee reads into errors, nothing else.
import { describe } from 'vitest';
import { degradationProperty } from './property.js';
import { degradationSetups } from './sources.js';

describe('hris degradation property', () => {
  degradationProperty(degradationSetups['hris'], { seed: 15, perRequest: 14, hangs: 1, maxReplays: 15 }, 60_000);
});
