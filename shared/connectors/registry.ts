import { ValidationError } from '../errors';
import { CsvConnector } from './csv/connector';
import { MaximoConnector } from './maximo/connector';
import { OutboxConnector } from './outbox/connector';
import type { CmmsConnector } from './port';
import { ServiceNowConnector } from './servicenow/connector';

export type { CmmsConnector, ConnectorCapabilities } from './port';

type ConnectorFactory = (settings: unknown) => CmmsConnector;

/** Connectors by CMMS kind. Adding a CMMS is one entry here plus a folder under shared/connectors/. */
const REGISTRY: Record<string, ConnectorFactory> = {
  servicenow: (settings) => new ServiceNowConnector(settings),
  maximo: (settings) => new MaximoConnector(settings),
  csv: (settings) => new CsvConnector(settings),
  outbox: (settings) => new OutboxConnector(settings),
};

export const CONNECTOR_KINDS: readonly string[] = Object.keys(REGISTRY);

export function createConnector(kind: string, settings: unknown): CmmsConnector {
  const factory = REGISTRY[kind];
  if (!factory) {
    throw new ValidationError(
      `Unknown CMMS kind "${kind}"; known kinds: ${Object.keys(REGISTRY).join(', ')}`,
    );
  }
  return factory(settings);
}
