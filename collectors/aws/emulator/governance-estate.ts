// What an emulated account holds for the governance answers (governance.ts): the SECURITY alternate contact, SAML and
// OIDC providers, IAM Identity Center instances, and a bucket's protection settings; and how the generator seeds them.

/** What an emulated account says about who to call and how people sign in. */
export interface EmuGovernance {
  /** The SECURITY alternate contact; null = never registered (GetAlternateContact: 404 ResourceNotFoundException). */
  securityContact: { name: string; title: string; email: string; phone: string } | null;
  samlProviders: Array<{ name: string; created: string; validUntil?: string }>;
  oidcProviders: Array<{ url: string; created: string }>;
  /** IAM Identity Center instances; each answers ListInstances only in its own region. */
  identityCenter: Array<{ id: string; region: string; owner: string; status: 'ACTIVE' | 'CREATE_IN_PROGRESS' | 'CREATE_FAILED' | 'DELETE_IN_PROGRESS' }>;
  /** Security Hub standards subscribed, per region (answered only where the hub is enabled: `securityHub`). */
  securityHubStandards: Array<{ region: string; standard: string; status: 'PENDING' | 'READY' | 'FAILED' | 'DELETING' | 'INCOMPLETE' }>;
  /** AWS Config delivery channels (one per region at most) and the status of their last configuration-history delivery. */
  configDeliveryChannels: Array<{ region: string; name: string; bucket: string; history: 'Success' | 'Failure'; error?: string }>;
  /** IAM Access Analyzer findings of the region's analyzers (ListFindingsV2). */
  analyzerFindings: Array<{ region: string; id: string; resource: string; resourceType: string; created: string; status: 'ACTIVE' | 'ARCHIVED' | 'RESOLVED' }>;
}

/** A bucket's public exposure, access logging and MFA delete, beyond its tags, versioning and Object Lock. */
export interface EmuBucketProtection {
  /** `none`: no bucket policy (GetBucketPolicyStatus answers 404 NoSuchBucketPolicy). */
  policy: 'none' | 'private' | 'public';
  /** The ACL grants READ to AllUsers. */
  aclPublic: boolean;
  /** Server access logging target bucket; absent = logging off. */
  logTarget?: string;
  /** Absent = MFA delete never configured (GetBucketVersioning then omits MfaDelete). */
  mfaDelete?: 'Enabled' | 'Disabled';
}

export function emptyGovernance(): EmuGovernance {
  return { securityContact: null, samlProviders: [], oidcProviders: [], identityCenter: [], securityHubStandards: [], configDeliveryChannels: [], analyzerFindings: [] };
}

/**
 * Seeds an account. Both kinds register a SECURITY contact and keep the trail bucket private. Healthy: people sign in
 * through IAM Identity Center and the trail bucket has access logging and MFA delete; otherwise people federate through
 * a SAML provider, and the trail bucket has neither (so catalogue row 18 fails). Each region in `hubRegions` (where
 * Security Hub is enabled) subscribes AWS Foundational Security Best Practices; Identity Center lives in the first.
 * Every region has a Config delivery channel; unless healthy, those after the first fail to deliver (NoSuchBucket).
 */
export function seedGovernance(g: EmuGovernance, accountId: string, now: Date, regions: string[], hubRegions: string[], healthy: boolean, trailBucket: { versioning: 'Enabled' | 'Suspended' | null; protection?: EmuBucketProtection }): void {
  g.securityContact = { name: 'Security Operations', title: 'Security on-call', email: 'security@example.com', phone: '+1-555-0100' };
  // every region with Security Hub runs AWS Foundational Security Best Practices
  for (const region of hubRegions) g.securityHubStandards.push({ region, standard: 'aws-foundational-security-best-practices/v/1.0.0', status: 'READY' });
  // every region has a Config delivery channel; the second region's bucket was deleted (history delivery fails)
  for (const region of regions) g.configDeliveryChannels.push({ region, name: 'default', bucket: `config-${accountId}`, history: healthy || region === regions[0] ? 'Success' : 'Failure', ...(healthy || region === regions[0] ? {} : { error: 'NoSuchBucket' }) });
  // the first region's analyzer has one finding under review (5 days old) and an old one archived
  const ago = (d: number): string => new Date(now.getTime() - d * 86_400_000).toISOString();
  g.analyzerFindings.push({ region: regions[0] ?? 'us-east-1', id: 'f-recent', resource: `arn:aws:s3:::shared-${accountId}`, resourceType: 'AWS::S3::Bucket', created: ago(5), status: 'ACTIVE' });
  g.analyzerFindings.push({ region: regions[0] ?? 'us-east-1', id: 'f-archived', resource: `arn:aws:iam::${accountId}:role/vendor-audit`, resourceType: 'AWS::IAM::Role', created: ago(200), status: 'ARCHIVED' });
  g.oidcProviders.push({ url: 'https://token.actions.githubusercontent.com', created: '2023-05-01T00:00:00Z' });
  if (!healthy) {
    g.samlProviders.push({ name: 'corp-okta', created: '2022-02-01T00:00:00Z', validUntil: '2032-02-01T00:00:00Z' });
    trailBucket.protection = { policy: 'private', aclPublic: false };
    return;
  }
  g.identityCenter.push({ id: `${accountId.slice(-4)}a1b2c3d4e5f6`, region: hubRegions[0] ?? 'us-east-1', owner: accountId, status: 'ACTIVE' });
  trailBucket.protection = { policy: 'private', aclPublic: false, logTarget: `access-logs-${accountId}`, mfaDelete: 'Enabled' };
  trailBucket.versioning = 'Enabled';
}
