import type { DeviceSource, WorkOrderSink } from '../application/ports';
import { ValidationError } from '../errors';
import { OutboxConnector } from './outbox/connector';
import { ServiceNowConnector } from './servicenow/connector';

/** A CMMS connector: a device source and a work-order sink behind one configuration. */
export type CmmsConnector = DeviceSource & WorkOrderSink;

type ConnectorFactory = (settings: unknown) => CmmsConnector;

/** Connectors by CMMS kind. Adding a CMMS is one entry here plus a folder under shared/connectors/. */
const REGISTRY: Record<string, ConnectorFactory> = {
  servicenow: (settings) => new ServiceNowConnector(settings),
  outbox: (settings) => new OutboxConnector(settings),
};

export function createConnector(kind: string, settings: unknown): CmmsConnector {
  const factory = REGISTRY[kind];
  if (!factory) {
    throw new ValidationError(
      `Unknown CMMS kind "${kind}"; known kinds: ${Object.keys(REGISTRY).join(', ')}`,
    );
  }
  return factory(settings);
}
