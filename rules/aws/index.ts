// Registry of the AWS rules: an explicit list, checked by test/rules/registry.test.ts against the files on disk.
import type { Rule } from '../../src/core/types.js';
import access_keys_rotated from './iam/access_keys_rotated.js';
import console_users_mfa from './iam/console_users_mfa.js';
import no_dangerous_permissions from './iam/no_dangerous_permissions.js';
import no_direct_user_policies from './iam/no_direct_user_policies.js';
import no_full_admin_policies from './iam/no_full_admin_policies.js';
import password_policy_strong from './iam/password_policy_strong.js';
import privileged_users_mfa from './iam/privileged_users_mfa.js';
import role_trust_and_staleness from './iam/role_trust_and_staleness.js';
import root_credentials_minimized from './iam/root_credentials_minimized.js';
import root_mfa_enabled from './iam/root_mfa_enabled.js';
import root_recent_use from './iam/root_recent_use.js';
import unused_credentials_disabled from './iam/unused_credentials_disabled.js';
import multi_region_trail_logging from './cloudtrail/multi_region_trail_logging.js';
import log_integrity from './cloudtrail/log_integrity.js';
import no_logging_tampering from './cloudtrail/no_logging_tampering.js';
import sensitive_signins from './cloudtrail/sensitive_signins.js';
import iam_change_events from './cloudtrail/iam_change_events.js';
import rds_automated_backups from './rds/automated_backups.js';
import rds_multi_az from './rds/multi_az.js';
import rds_deletion_protection from './rds/deletion_protection.js';
import rds_encrypted_private from './rds/encrypted_private.js';
import backup_plan_retention from './backup/plan_retention.js';
import backup_critical_resources_covered from './backup/critical_resources_covered.js';
import backup_job_success from './backup/job_success.js';
import s3_versioning_critical_buckets from './s3/versioning_critical_buckets.js';
import cloudwatch_alarms_actionable from './cloudwatch/alarms_actionable.js';
import s3_account_public_access_blocked from './s3/account_public_access_blocked.js';
import ec2_no_admin_ports_open_to_internet from './ec2/no_admin_ports_open_to_internet.js';
import ec2_ebs_encrypted_by_default from './ec2/ebs_encrypted_by_default.js';
import guardduty_enabled from './guardduty/enabled.js';
import securityhub_enabled from './securityhub/enabled.js';
import config_recorder_enabled from './config/recorder_enabled.js';
import access_analyzer_enabled from './iam/access_analyzer_enabled.js';
import kms_key_rotation_enabled from './kms/key_rotation_enabled.js';
import logs_retention_covers_audit_period from './logs/retention_covers_audit_period.js';
import backup_vault_protected from './backup/vault_protected.js';
import backup_restore_tested from './backup/restore_tested.js';
import human_access_federated from './iam/human_access_federated.js';
import account_incident_contacts from './account/incident_contacts.js';
import cloudtrail_bucket_protected from './cloudtrail/bucket_protected.js';
import dynamodb_pitr from './dynamodb/pitr.js';
import compute_multi_az from './compute/multi_az.js';
import guardduty_high_findings_triaged from './guardduty/high_findings_triaged.js';
import cloudwatch_capacity_monitoring from './cloudwatch/capacity_monitoring.js';
import health_events_reviewed from './health/events_reviewed.js';

export const awsRules: Rule[] = [
  root_mfa_enabled,
  root_credentials_minimized,
  root_recent_use,
  console_users_mfa,
  privileged_users_mfa,
  password_policy_strong,
  access_keys_rotated,
  unused_credentials_disabled,
  no_direct_user_policies,
  no_full_admin_policies,
  no_dangerous_permissions,
  role_trust_and_staleness,
  multi_region_trail_logging,
  log_integrity,
  no_logging_tampering,
  sensitive_signins,
  iam_change_events,
  rds_automated_backups,
  rds_multi_az,
  rds_deletion_protection,
  rds_encrypted_private,
  backup_plan_retention,
  backup_critical_resources_covered,
  backup_job_success,
  s3_versioning_critical_buckets,
  cloudwatch_alarms_actionable,
  s3_account_public_access_blocked,
  ec2_no_admin_ports_open_to_internet,
  ec2_ebs_encrypted_by_default,
  guardduty_enabled,
  securityhub_enabled,
  config_recorder_enabled,
  access_analyzer_enabled,
  kms_key_rotation_enabled,
  logs_retention_covers_audit_period,
  backup_vault_protected,
  backup_restore_tested,
  human_access_federated,
  account_incident_contacts,
  cloudtrail_bucket_protected,
  dynamodb_pitr,
  compute_multi_az,
  guardduty_high_findings_triaged,
  cloudwatch_capacity_monitoring,
  health_events_reviewed,
];
