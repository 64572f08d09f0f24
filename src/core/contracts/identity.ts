// The identity-user shape every IdP collector fills in, so cross-source rules and the person join are written once.

/**
 * Fields shared by `okta.user`, `google-workspace.user` and `entra.user` attributes. Each provider adds its own
 * extras beside these. `null` means the provider did not tell (not collected, licence missing), never "no".
 */
export interface IdentityUserAttributes {
  /** Primary email, lower-cased; null when the account has none. */
  email: string | null;
  /** Sign-in name (Okta login, Google primaryEmail, Entra userPrincipalName), lower-cased. */
  login: string;
  displayName: string;
  /** Provider status as the API spells it (ACTIVE, DEPROVISIONED, suspended, enabled, disabled…). */
  status: string;
  /** Whether the account can sign in now. */
  active: boolean;
  isAdmin: boolean;
  /** Admin role names held, directly or through a group. */
  adminRoles: string[];
  /** Whether at least one second factor is enrolled and active; null when unknown. */
  mfaEnrolled: boolean | null;
  /** Normalized methods: push, totp, sms, voice, email, webauthn, security_key, hardware_token, platform, question, other. */
  mfaMethods: string[];
  /** Whether a phishing-resistant method (FIDO2/WebAuthn, platform authenticator, smart card) is enrolled; null when unknown. */
  phishingResistant: boolean | null;
  /** Last interactive sign-in, ISO 8601; null when never or unknown (see `lastLoginKnown`). */
  lastLogin: string | null;
  /** False when the provider could not say (e.g. Entra without P1 licence). */
  lastLoginKnown: boolean;
  /** Account creation, ISO 8601. */
  created: string | null;
  /** When the status last changed (deactivation, suspension), ISO 8601, when the provider reports it. */
  statusChanged: string | null;
}

/** Methods weak against phishing and SIM swap: an account whose only methods are these is flagged. */
export const WEAK_MFA_METHODS: readonly string[] = ['sms', 'voice', 'email', 'question'];

/** Methods that resist phishing (origin-bound or device-bound cryptographic authenticators). */
export const PHISHING_RESISTANT_METHODS: readonly string[] = ['webauthn', 'security_key', 'platform', 'smart_card'];

/** The identity-user resource types, one per IdP. */
export const IDENTITY_USER_TYPES = ['okta.user', 'google-workspace.user', 'entra.user'] as const;
