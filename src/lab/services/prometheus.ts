import fs from 'node:fs';
import path from 'node:path';
import { httpOk, spawnService, waitReady } from '../process.ts';
import { servicePort, type LabContext, type ServiceDef, type ServiceState } from '../service.ts';

/** The lab's rules: one recording rule and one alert, so a backup has rule files to carry. */
const RULES = `groups:
  - name: lab
    rules:
      - record: lab:up:sum
        expr: sum(up)
      - alert: LabTargetDown
        expr: up == 0
        for: 1m
        labels: { severity: warning }
        annotations: { summary: "a lab target is down" }
`;

/**
 * Starts Prometheus scraping itself every 2 s, with a rules file in its folder, and the admin
 * API (TSDB snapshots) and lifecycle API (reload) enabled.
 */
export async function startPrometheus(lab: LabContext, opts: { name?: string; tsdb?: string } = {}): Promise<ServiceState> {
  const name = opts.name ?? 'prometheus';
  const dir = path.join(lab.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const port = await servicePort(lab, name);
  const address = `127.0.0.1:${port}`;
  const rules = path.join(dir, 'rules.yml');
  const config = path.join(dir, 'prometheus.yml');
  const tsdb = opts.tsdb ?? path.join(dir, 'tsdb');
  fs.writeFileSync(rules, RULES);
  fs.writeFileSync(
    config,
    [
      'global: { scrape_interval: 2s, evaluation_interval: 2s }',
      `rule_files: [${JSON.stringify(rules)}]`,
      'scrape_configs:',
      `  - { job_name: prometheus, static_configs: [ { targets: ['${address}'] } ] }`,
      '',
    ].join('\n'),
  );
  const url = `http://${address}`;
  const log = path.join(dir, 'prometheus.log');
  const spawned = spawnService({
    service: name,
    program: 'prometheus',
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=${address}`,
      '--web.enable-admin-api',
      '--web.enable-lifecycle',
    ],
    logFile: log,
    owner: lab.owner,
  });
  await waitReady(name, spawned, log, () => httpOk(`${url}/-/ready`));
  return { name, pid: spawned.pid, port, address: url, dir, log, extra: { config, rules, tsdb } };
}

export const prometheusService: ServiceDef = {
  name: 'prometheus',
  start: (lab) => startPrometheus(lab),
  health: (state) => httpOk(`${state.address}/-/ready`),
};
