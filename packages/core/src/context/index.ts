import type { Ports } from '../ports';
import { SeriesStore } from '../tsdb/series-store';
import { RuleGroupRepository } from '../rules/repository';
import { AlertStateRepository } from '../alerting/repository';
import { ApiKeyRepository } from '../auth';
import type { LimitsConfig } from '../limits/schema';
import { AlertmanagerConfigRepository } from '../alertmanager/store';

export interface Settings {
  /** Base URL users reach Vigil at; used in generatorURL and externalURL. */
  externalUrl: string;
  /** External labels added to template data, as Prometheus's global external_labels. */
  externalLabels: Record<string, string>;
  /** Ingest limits per tenant (`VIGIL_LIMITS`). */
  limits?: LimitsConfig;
}

export interface Services {
  series: SeriesStore;
  ruleGroups: RuleGroupRepository;
  alertStates: AlertStateRepository;
  apiKeys: ApiKeyRepository;
  alertmanagerConfigs: AlertmanagerConfigRepository;
}

/** What every handler receives: the ports plus the repositories built on them, made once per warm instance. */
export interface Context extends Ports {
  services: Services;
  settings: Settings;
}

export function createContext(ports: Ports, settings: Partial<Settings> = {}): Context {
  return {
    ...ports,
    settings: { externalUrl: 'http://localhost:8080', externalLabels: {}, ...settings },
    services: {
      series: new SeriesStore(ports.store, { clock: ports.clock }),
      ruleGroups: new RuleGroupRepository(ports.store),
      alertStates: new AlertStateRepository(ports.store),
      apiKeys: new ApiKeyRepository(ports.store, () => ports.clock.now()),
      alertmanagerConfigs: new AlertmanagerConfigRepository(ports.store),
    },
  };
}
