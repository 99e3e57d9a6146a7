import {
  type AddToPrincipalPolicyResult,
  ManagedPolicy,
  type PolicyStatement,
  Role,
  type RoleProps,
} from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * An IAM role whose permissions live in one customer-managed policy of its own instead of an inline policy
 * (HIPAA Security `IAMNoInlinePolicy`): a managed policy is versioned, can be inspected and rolled back on its
 * own, and shows up in IAM Access Analyzer's policy views. Every grant CDK or our code adds to the role
 * (`addToPrincipalPolicy`) lands in that policy; it is created with the first statement, so a role without
 * permissions gets no empty policy.
 */
export class MedPatchRole extends Role {
  private permissions: ManagedPolicy | undefined;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id, props);
  }

  /** The role's customer-managed policy, if anything has been granted yet. */
  get permissionsPolicy(): ManagedPolicy | undefined {
    return this.permissions;
  }

  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    if (!this.permissions) {
      this.permissions = new ManagedPolicy(this, 'Permissions', {
        description: `Permissions of ${this.node.path}`,
        roles: [this],
      });
    }
    this.permissions.addStatements(statement);
    return { statementAdded: true, policyDependable: this.permissions };
  }
}
