import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, WorkOrderRepository } from '../../application/ports';
import { WorkOrder } from '../../domain/work-order';
import { TransientError } from '../../errors';
import { AUDIT_CONDITION, auditItem } from './audit';
import { keys } from './keys';
import type { TableClient } from './table-client';

export class DynamoWorkOrderRepository implements WorkOrderRepository {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async get(correlationId: string): Promise<WorkOrder | null> {
    const res = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.workOrder(correlationId) }),
    );
    return res.Item
      ? WorkOrder.parse({ ...(res.Item.workOrder as Record<string, unknown>), cmmsRef: res.Item.cmmsRef })
      : null;
  }

  async savePlanned(workOrder: WorkOrder, actor: Actor, expectedRevision?: string | null): Promise<boolean> {
    const current = await this.table.doc.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.workOrder(workOrder.correlationId) }),
    );
    const previous = current.Item?.workOrder as WorkOrder | undefined;
    if (previous?.revision === workOrder.revision) return false;
    if (expectedRevision !== undefined && (previous?.revision ?? null) !== expectedRevision) {
      throw new TransientError(
        `Work order ${workOrder.correlationId} changed since it was read (revision ${previous?.revision ?? 'none'}, expected ${expectedRevision ?? 'none'})`,
      );
    }
    const at = this.now();
    const { cmmsRef: _notPlanned, ...planned } = workOrder;
    await this.table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.table.tableName,
              Key: keys.workOrder(workOrder.correlationId),
              UpdateExpression:
                'SET workOrder = :wo, revision = :rev, #type = :type, gsi2pk = :g2pk, gsi2sk = :g2sk, updatedAt = :at',
              ConditionExpression: previous ? 'revision = :prev' : 'attribute_not_exists(pk)',
              ExpressionAttributeNames: { '#type': 'type' },
              ExpressionAttributeValues: {
                ':wo': planned,
                ':rev': workOrder.revision,
                ':type': 'WORKORDER',
                ':g2pk': keys.byType('WORKORDER', workOrder.correlationId).gsi2pk,
                ':g2sk': workOrder.correlationId,
                ':at': at,
                ...(previous ? { ':prev': previous.revision } : {}),
              },
            },
          },
          {
            Put: {
              TableName: this.table.tableName,
              Item: auditItem({
                entity: `WORKORDER#${workOrder.correlationId}`,
                alsoIndexedUnder: `ADVISORY#${workOrder.advisoryIds[0] ?? ''}`,
                action: previous ? 'WORK_ORDER_REVISED' : 'WORK_ORDER_PLANNED',
                before: previous ?? null,
                after: planned,
                actor,
                at,
              }),
              ConditionExpression: AUDIT_CONDITION,
            },
          },
        ],
      }),
    );
    return true;
  }

  async markDispatched(correlationId: string, revision: string, cmmsRef: string): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.workOrder(correlationId),
        UpdateExpression: 'SET cmmsRef = :ref, dispatchedRevision = :rev, dispatchedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ref': cmmsRef, ':rev': revision, ':at': this.now() },
      }),
    );
  }

  async dispatchedRevision(correlationId: string): Promise<string | null> {
    const res = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.workOrder(correlationId),
        ProjectionExpression: 'dispatchedRevision',
      }),
    );
    return typeof res.Item?.dispatchedRevision === 'string' ? res.Item.dispatchedRevision : null;
  }

  async listAll(): Promise<WorkOrder[]> {
    const items = await this.table.queryAll({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'TYPE#WORKORDER' },
    });
    return items.map((item) =>
      WorkOrder.parse({ ...(item.workOrder as Record<string, unknown>), cmmsRef: item.cmmsRef }),
    );
  }
}
