// redactSecrets removes credential values and leaves words: secrets in every form are gone, real services' errors unchanged.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError, redactSecrets } from '../../src/core/errors.js';
import { collectionErrorFrom } from '../../src/core/failure.js';

/** Error messages as the services and Node write them (from their docs and replies): none holds a secret. */
const ORDINARY: string[] = [
  // AWS
  'The security token included in the request is invalid.',
  'The security token included in the request is expired',
  'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.',
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  'Signature expired: 20260301T100000Z is now earlier than 20260301T101500Z (20260301T101000Z - 5 min.)',
  'User: arn:aws:iam::123456789012:user/audit is not authorized to perform: iam:GenerateCredentialReport on resource: * because no identity-based policy allows the iam:GenerateCredentialReport action',
  'Could not load credentials from any providers',
  'The provided token is malformed or otherwise invalid.',
  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter.",
  'Credential should be scoped to a valid region.',
  'Rate exceeded',
  'Unable to parse ExceptionName: AccessDeniedException Message: User is not authorized',
  // GitHub
  'Bad credentials',
  'Resource not accessible by personal access token',
  'Resource not accessible by integration',
  'API rate limit exceeded for installation ID 1234567.',
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.',
  "Your token has not been granted the required scopes to execute this query. The 'login' field requires one of the following scopes: ['read:org'], but your token has only been granted the: ['repo'] scopes.",
  'Advanced Security must be enabled for this repository to use code scanning.',
  'Requires authentication',
  // Okta
  'Invalid token provided',
  'Okta HTTP 401 E0000011 Invalid token provided',
  'API call exceeded rate limit due to too many requests.',
  'You do not have permission to perform the requested action',
  'Not found: Resource not found: 00u1abcdEFGH2345 (User)',
  // Google
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  'invalid_grant: Invalid JWT Signature.',
  'unauthorized_client: Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
  "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com' for consumer 'project_number:123456789'.",
  'Not Authorized to access this resource/api',
  // Entra
  'Access token validation failure. Invalid audience.',
  'Lifetime validation failed, the token is expired.',
  'Insufficient privileges to complete the operation.',
  "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '00000000-0000-0000-0000-000000000000'.",
  'Access token has expired or is not yet valid.',
  // Node and Vigil
  'Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON',
  'Unexpected token < in JSON at position 0',
  'Unexpected end of JSON input',
  "Expected property name or '}' in JSON at position 1 (line 1 column 2)",
  'connect ECONNREFUSED 127.0.0.1:4566',
  'getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com',
  'read ECONNRESET',
  'The operation was aborted due to timeout',
  "Cannot read properties of undefined (reading 'token')",
  'password authentication failed for user "vigil"',
  'token: expired',
  'postgres://vigil:***@127.0.0.1:1/vigil',
  'iam:GetCredentialReport failed: malformed reply (MALFORMED)',
  '{"token_type":"bearer","expires_in":3599}',
];

const SECRETS: Array<[string, string, string]> = [
  // [text, secret that must be gone, text that must stay]
  ['using key AKIAIOSFODNN7EXAMPLE for sts', 'AKIAIOSFODNN7EXAMPLE', 'using key'],
  ['GET /user with ghp_0123456789abcdefghijABCDEFGHIJ012345 failed', 'ghp_0123456789abcdefghijABCDEFGHIJ012345', 'failed'],
  ['pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'pat'],
  ['Authorization: Bearer 0a1b2c3d4e5f6a7b8c9d', '0a1b2c3d4e5f6a7b8c9d', 'Authorization: Bearer'],
  ['{"authorization":"SSWS 00QCjAl4MlV-WPXM_oiRNvmCsYPb8bfcbqrKBGH2gG"}', '00QCjAl4MlV-WPXM_oiRNvmCsYPb8bfcbqrKBGH2gG', 'SSWS'],
  ['authorization=Basic dmlnaWw6aHVudGVyMg==', 'dmlnaWw6aHVudGVyMg==', 'authorization='],
  ['retry with SSWS 00QCjAl4MlV-WPXM_oiRNvmCsYPb8bfcbqrKBGH2gG', '00QCjAl4MlV-WPXM_oiRNvmCsYPb8bfcbqrKBGH2gG', 'retry with SSWS'],
  ['password=hunter2 sslmode=require', 'hunter2', 'sslmode=require'],
  ['{"client_secret":"Abc~8Q~defGHIjklMNOpqr","tenant":"contoso"}', 'Abc~8Q~defGHIjklMNOpqr', '"tenant":"contoso"'],
  ["token: 'x9f3k2m1q8w7e6r5'", 'x9f3k2m1q8w7e6r5', 'token:'],
  ['x-amz-security-token: IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH', 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH', 'x-amz-security-token:'],
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key'],
  ['GET https://b.s3.amazonaws.com/k?X-Amz-Expires=60&X-Amz-Signature=8d3f0a1b2c3d4e5f&X-Amz-Date=20260301', '8d3f0a1b2c3d4e5f', 'X-Amz-Expires=60'],
  ['https://acct.blob.core.windows.net/c?sv=2024&sig=AbCdEf0123%2Bxyz%3D&se=2026', 'AbCdEf0123%2Bxyz%3D', 'sv=2024'],
  ['POST https://vigil:s3cretPassw0rd@hooks.example.com/x', 's3cretPassw0rd', 'vigil:'],
  ['id_token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVz', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'id_token'],
  ['key AIzaSyA-1234567890abcdefghijklmnopqrstu rejected', 'AIzaSyA-1234567890abcdefghijklmnopqrstu', 'rejected'],
  ['google ya29.a0AfH6SMBx1234567890abcdefghijkl expired', 'ya29.a0AfH6SMBx1234567890abcdefghijkl', 'expired'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEA', ''],
  ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- in key.json', 'MIIEvQIBADANBg', 'in key.json'],
];

describe('redactSecrets', () => {
  it.each(ORDINARY.map((m) => [m]))('leaves an ordinary error message unchanged: %s', (m) => {
    expect(redactSecrets(m)).toBe(m);
  });

  it.each(SECRETS)('removes the secret from %j', (text, secret, kept) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
    expect(out).toContain(kept);
  });

  it('is idempotent', () => {
    for (const [t] of SECRETS) expect(redactSecrets(redactSecrets(t))).toBe(redactSecrets(t));
    for (const m of ORDINARY) expect(redactSecrets(redactSecrets(m))).toBe(m);
  });

  it('property: a generated credential in any secret-bearing form never survives, and the words around it do', () => {
    const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')), minLength: 12, maxLength: 40 });
    // a credential has a digit and an upper-case letter: that is what tells it from a word
    const cred = alnum.map((s) => `Q7${s}`);
    const form = fc.constantFrom(
      (v: string) => `password=${v}`,
      (v: string) => `"access_token": "${v}"`,
      (v: string) => `Authorization: Bearer ${v}`,
      (v: string) => `authorization: token ${v}`,
      (v: string) => `https://u:${v}@example.com/`,
      (v: string) => `?X-Amz-Signature=${v}&a=1`,
      (v: string) => `client_secret: ${v}`,
      (v: string) => `SSWS ${v}`,
    );
    fc.assert(
      fc.property(cred, form, fc.constantFrom('collect failed:', 'GET /x →', 'note'), (v, f, before) => {
        const out = redactSecrets(`${before} ${f(v)} (retry later)`);
        expect(out).not.toContain(v);
        expect(out.startsWith(before)).toBe(true);
        expect(out.endsWith('(retry later)')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('property: prose after "token", "password" or "secret" stays', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.constantFrom('token', 'password', 'secret', 'Token', 'security token', 'signature'), fc.array(word, { minLength: 1, maxLength: 6 }), (k, words) => {
        const m = `The ${k} ${words.join(' ')} is invalid.`;
        expect(redactSecrets(m)).toBe(m);
      }),
      { numRuns: 300 },
    );
  });

  it('AppError and CollectionError messages keep the real words', () => {
    expect(new AppError('X', "Unexpected token '<' in reply").message).toBe("Unexpected token '<' in reply");
    const e = collectionErrorFrom(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } }), { operation: 'sts:GetCallerIdentity', inputs: [] });
    expect(e.message).toBe('The security token included in the request is invalid.');
  });
});
