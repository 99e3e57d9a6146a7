import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, NagMessageLevel, NagPack, type NagPackProps, rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { MedPatchStack } from './stack';

/**
 * MedPatch's own rules: cdk-nag rules that belong to no published pack but guard our conventions.
 * `LambdaEventSourceSQSVisibilityTimeout`: a queue hides a message for at least 6 × its consumer's timeout,
 * so a slow batch is not delivered twice while it is still being processed.
 */
export class MedPatchChecks extends NagPack {
  readonly name = 'MedPatch';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'MedPatch';
  }

  protected override checkResource(node: CfnResource): void {
    this.applyRule({
      info: "The SQS queue's visibility timeout is shorter than 6 × the consuming function's timeout.",
      explanation: 'A message can become visible again and be processed twice while a slow batch still runs.',
      level: NagMessageLevel.ERROR,
      rule: rules.lambda.LambdaEventSourceSQSVisibilityTimeout,
      node,
    });
  }
}

/** The cdk-nag packs MedPatch must pass; shared by the app and the infra tests so they cannot diverge. */
export function medPatchNagPacks(scope: IConstruct): NagPack[] {
  return [new AwsSolutionsChecks(scope), new MedPatchChecks(scope)];
}

/**
 * Acknowledges the cdk-nag findings MedPatch accepts, one finding on one resource at a time, each with its
 * reason. Everything else must be fixed, not acknowledged.
 */
export function acknowledgeNagFindings(stack: MedPatchStack): void {
  for (const fn of Object.values(stack.functions)) {
    const role = fn.function.role;
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by Tracing.ACTIVE) use Resource "*": ' +
          'X-Ray supports no resource-level permissions. Data-plane statements name single ARNs (see test/infra).',
      });
    }
    Validations.of(fn.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 (LTS, supported into 2027) is the project-wide runtime: esbuild targets node22 and the local ' +
        'runner runs the same handlers on Node 20/22. Moving to Node 24 is a deliberate, tested project change.',
    });

    const schedulerRole = fn.node.tryFindChild('SchedulerRole');
    if (schedulerRole) {
      const logicalId = Stack.of(fn).resolve((fn.function.node.defaultChild as CfnFunction).logicalId);
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason:
          'aws-scheduler-targets LambdaInvoke grants invoke on the function and its ":*" qualifiers; the wildcard ' +
          'covers only versions and aliases of this one function.',
      });
    }
  }

  if (stack.cmmsSecret instanceof Secret) {
    Validations.of(stack.cmmsSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds credentials for the hospital CMMS (e.g. a ServiceNow integration user), which only the ' +
        'CMMS administrators can change; they rotate it under the hospital password policy. It exists only when ' +
        'no cmmsSecretArn is given.',
    });
  }
}
