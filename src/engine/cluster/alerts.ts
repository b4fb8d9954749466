// The alert rules that go with the controller's metrics: "no successful backup within the RPO"
// and "a run failed", as a Prometheus rules file and as a PrometheusRule (Prometheus Operator).
import { PART_OF } from './manifests.ts';

export interface AlertOptions {
  /** Recovery point objective in seconds (default a day). */
  rpoSeconds?: number;
}

export const DEFAULT_RPO_SECONDS = 24 * 3600;

function humanDuration(s: number): string {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

export function ruleGroups(o: AlertOptions = {}): { groups: Record<string, unknown>[] } {
  const rpo = o.rpoSeconds ?? DEFAULT_RPO_SECONDS;
  return {
    groups: [
      {
        name: 'lifeboat',
        rules: [
          {
            alert: 'LifeboatBackupOutsideRPO',
            // From the schedule's creation until its first success, then from the last success.
            expr: `time() - max by (schedule) (lifeboat_schedule_last_success_timestamp_seconds or lifeboat_schedule_created_timestamp_seconds) > ${rpo}`,
            labels: { severity: 'critical' },
            annotations: {
              summary: `lifeboat schedule {{ $labels.schedule }} has no successful backup within the RPO (${humanDuration(rpo)})`,
              description: "See 'lifeboat schedule list' for its last runs and why they did not complete.",
            },
          },
          {
            alert: 'LifeboatBackupFailed',
            expr: 'lifeboat_schedule_last_run_success == 0',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'the last run of lifeboat schedule {{ $labels.schedule }} was partial or failed',
              description: "'lifeboat schedule list' names what failed.",
            },
          },
        ],
      },
    ],
  };
}

export function prometheusRule(namespace: string, o: AlertOptions = {}): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'lifeboat', namespace, labels: { 'app.kubernetes.io/name': 'lifeboat', ...PART_OF } },
    spec: ruleGroups(o),
  };
}
