// Degradation property for Google Workspace: any one token, Directory or Reports reply degraded may lose passes, never gain them.
import { describe } from 'vitest';
import { degradationProperty } from './property.js';
import { degradationSetups } from './sources.js';

describe('google-workspace degradation property', () => {
  degradationProperty(degradationSetups['google-workspace'], { seed: 14, perRequest: 5, hangs: 3, maxReplays: 70 }, 150_000);
});
