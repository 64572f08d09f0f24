// Degradation property for AWS: any one query, JSON, REST-JSON or S3 reply degraded may turn passes into errors, nothing else.
import { describe } from 'vitest';
import { awsSource } from '../../collectors/aws/index.js';
import { degradationProperty } from './property.js';

// The SDK's Node 20 end-of-support notice would fill the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describe('aws degradation property', () => {
  degradationProperty(
    // Lanes after the first cannot use AWS_ENDPOINT_URL (one per process): `endpoint` points each at its own proxy.
    { plugin: awsSource, lanes: 8, deadlineMs: 15_000, pointAt: (url) => ({ endpoint: url }), overrides: { requestTimeoutMs: 300, maxAttempts: 2 } },
    { seed: 15, perRequest: 2, hangs: 3, maxReplays: 80 },
    170_000,
  );
});
