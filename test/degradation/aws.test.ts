// Degradation property for AWS: any one query, JSON, REST-JSON or S3 reply degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { degradationProperty } from './property.js';
import { degradationSetups } from './sources.js';

// The SDK's Node 20 end-of-support notice would fill the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describe('aws degradation property', () => {
  degradationProperty(degradationSetups['aws'], { seed: 15, perRequest: 2, hangs: 3, maxReplays: 80 }, 170_000);
});
