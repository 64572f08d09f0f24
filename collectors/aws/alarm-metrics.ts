// What a CloudWatch metric alarm watches: its metric (namespace, name, dimensions), or each metric of a metric-math
// alarm (`Metrics[].MetricStat.Metric`), so rules can tell which resource an alarm covers.
type Item = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export interface AlarmMetric {
  namespace: string;
  metricName: string;
  dimensions: Array<{ name: string; value: string }>;
}

function metric(namespace: unknown, name: unknown, dims: unknown): AlarmMetric | null {
  const ns = str(namespace);
  const n = str(name);
  if (!ns || !n) return null;
  // DescribeAlarms sends an empty Dimensions list for a metric without dimensions; absent is a reply cut short
  if (!Array.isArray(dims)) return null;
  const dimensions: AlarmMetric['dimensions'] = [];
  for (const d of dims as Item[]) {
    const dn = str(d?.Name);
    const dv = str(d?.Value);
    if (!dn || !dv) return null;
    dimensions.push({ name: dn, value: dv });
  }
  return { namespace: ns, metricName: n, dimensions };
}

/**
 * The metrics one alarm watches, or null when the reply does not say (no MetricName and no Metrics, a metric without
 * its namespace or dimensions): a rule matching alarms to resources is then `error`, never "no alarm".
 */
export function alarmMetrics(a: Item): AlarmMetric[] | null {
  if (a.MetricName !== undefined) {
    const m = metric(a.Namespace, a.MetricName, a.Dimensions);
    return m ? [m] : null;
  }
  if (!Array.isArray(a.Metrics)) return null;
  const out: AlarmMetric[] = [];
  for (const q of a.Metrics as Item[]) {
    const stat = q?.MetricStat as Item | undefined;
    // an expression (Expression, no MetricStat) watches the metrics the other queries name
    if (!stat) continue;
    const m = stat.Metric as Item | undefined;
    const got = m ? metric(m.Namespace, m.MetricName, m.Dimensions) : null;
    if (!got) return null;
    out.push(got);
  }
  return out;
}
