// aws.iam.root_mfa_enabled: the root user is protected by MFA (optionally a hardware device).
import { defineRule } from '../../../src/rules/define.js';
import { resourcesOfType } from '../../../src/rules/support/resources.js';
import type { AwsIamRootAttributes } from '../../../src/core/contracts/aws.js';
import type { RuleOutcome } from '../../../src/core/types.js';

export default defineRule({
  id: 'aws.iam.root_mfa_enabled',
  title: 'Root user has MFA enabled',
  severity: 'critical',
  source: 'aws',
  mode: 'snapshot',
  inputs: ['aws.iam.root'],
  permissions: ['iam:GetAccountSummary', 'iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:ListVirtualMFADevices'],
  rationale:
    'The root user can do anything in the account, including closing it, and cannot be restricted by IAM policies. A password alone is one phishing page away from total loss.',
  remediation:
    'Sign in as root, open Security credentials and assign an MFA device (a hardware key or FIDO security key where requireHardware is set). Keep the device in a safe with a documented custodian.',
  params: {
    requireHardware: { description: 'Fail when root MFA is a virtual (authenticator app) device.', default: false },
  },
  evaluate(snapshot, { params }) {
    const out: RuleOutcome[] = [];
    for (const root of resourcesOfType<AwsIamRootAttributes>(snapshot, 'aws.iam.root')) {
      const a = root.attributes;
      // GetAccountSummary is read live; the credential report can be up to 4 h old, so the summary decides.
      const enabled = a.accountMfaEnabled;
      if (typeof enabled !== 'boolean') {
        out.push({ resourceId: root.id, status: 'error', reason: 'could not tell whether root has MFA: GetAccountSummary AccountMFAEnabled was not read' });
        continue;
      }
      const details = { accountMfaEnabled: a.accountMfaEnabled, credentialReportMfaActive: a.mfaActive, virtualMfa: a.virtualMfa ?? null };
      const lag = a.mfaActive !== enabled ? ` (the credential report, which can lag, says mfa_active=${a.mfaActive})` : '';
      if (!enabled) {
        out.push({ resourceId: root.id, status: 'fail', reason: `root user has no MFA device: GetAccountSummary AccountMFAEnabled=0${lag}`, details });
      } else if (params.requireHardware && a.virtualMfa === undefined) {
        out.push({ resourceId: root.id, status: 'error', reason: 'root MFA is enabled but whether it is hardware could not be told: virtual MFA devices were not listed (iam:ListVirtualMFADevices)', details });
      } else if (params.requireHardware && a.virtualMfa) {
        out.push({ resourceId: root.id, status: 'fail', reason: 'root MFA is a virtual device; requireHardware asks for a hardware device', details });
      } else {
        const kind = a.virtualMfa === true ? 'virtual' : a.virtualMfa === false ? 'hardware' : 'unknown-type';
        out.push({ resourceId: root.id, status: 'pass', reason: `root user has ${kind} MFA enabled${lag}`, details });
      }
    }
    return out;
  },
});
