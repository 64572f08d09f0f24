// The emulator's GuardDuty findings: ListFindings (POST /detector/{id}/findings, criteria on severity and
// service.archived, at most 50 ids a page) and GetFindings (POST /detector/{id}/findings/get, at most 50 ids; ids it
// does not know are left out of the reply, as GuardDuty does).
import { ServiceError, input, page, type ServiceRequest } from './service-protocol.js';
import type { EmuGuardDutyFinding } from './guardduty-estate.js';

type Condition = { greaterThanOrEqual?: number; gte?: number; equals?: string[]; eq?: string[] };

/** Whether a finding meets the request's criteria; only the two criteria the collector sends are modelled. */
function matches(f: EmuGuardDutyFinding, criterion: Record<string, Condition>): boolean {
  for (const [field, c] of Object.entries(criterion)) {
    if (field === 'severity') {
      const min = c.greaterThanOrEqual ?? c.gte;
      if (min !== undefined && f.severity < min) return false;
    } else if (field === 'service.archived') {
      const eq = c.equals ?? c.eq;
      if (eq && !eq.includes(String(f.archived))) return false;
    } else throw new ServiceError(400, 'BadRequestException', `The request is rejected because the criterion ${field} is not supported by this emulator.`);
  }
  return true;
}

/** ListFindings and GetFindings of `detectorId`, over the region's findings. */
export function guardDutyFindings(r: ServiceRequest, action: string, findings: EmuGuardDutyFinding[]): unknown {
  const inp = input(r);
  if (action === 'ListFindings') {
    const max = Number(inp.maxResults ?? 50);
    if (!Number.isInteger(max) || max < 1 || max > 50) throw new ServiceError(400, 'BadRequestException', 'The request is rejected because an invalid or out-of-range value is specified as an input parameter.');
    const criterion = ((inp.findingCriteria as { criterion?: Record<string, Condition> } | undefined)?.criterion ?? {}) as Record<string, Condition>;
    const p = page(findings.filter((f) => matches(f, criterion)), inp.nextToken, max);
    return { findingIds: p.items.map((f) => f.id), ...(p.next ? { nextToken: p.next } : {}) };
  }
  const ids = inp.findingIds;
  if (!Array.isArray(ids) || ids.length > 50) throw new ServiceError(400, 'BadRequestException', 'The request is rejected because an invalid or out-of-range value is specified as an input parameter.');
  return {
    findings: findings
      .filter((f) => ids.includes(f.id))
      .map((f) => ({
        accountId: r.account,
        arn: `arn:aws:guardduty:${r.region}:${r.account}:detector/${r.path.split('/')[2] ?? ''}/finding/${f.id}`,
        createdAt: f.created,
        id: f.id,
        partition: 'aws',
        region: r.region,
        resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0abc0def000000001' } },
        schemaVersion: '2.0',
        service: { archived: f.archived, count: 3, detectorId: r.path.split('/')[2] ?? '', eventFirstSeen: f.created, eventLastSeen: f.updated, serviceName: 'guardduty' },
        severity: f.severity,
        title: `${f.type} on i-0abc0def000000001`,
        type: f.type,
        updatedAt: f.updated,
      })),
  };
}
