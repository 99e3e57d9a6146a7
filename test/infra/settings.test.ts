import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeNagFindings, medPatchNagPacks } from '../../infra/nag';
import {
  DEV_SETTINGS,
  type MedPatchSettings,
  parseSettings,
  readPolicy,
  settingsFromContext,
  stackIdFor,
} from '../../infra/settings';
import { MedPatchStack } from '../../infra/stack';
import { ENV } from '../../shared/config/env-names';

const EXAMPLE_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../infra/hospital.example.json');

const HOSPITAL_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:medpatch/cmms-AbC123';

/** An app that skips asset bundling: these tests look at settings and policies, not at handler bundles. */
function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

const tempDir = mkdtempSync(join(tmpdir(), 'medpatch-settings-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));
// Without bundling, CDK fingerprints the project directory for the first stack a process synthesizes (~20 s on a
// busy machine, cached afterwards); pay it once in the hook rather than in whichever test runs first.
beforeAll(() => {
  Template.fromStack(new MedPatchStack(appWithoutBundling(), 'WarmUp', { settings: DEV_SETTINGS }));
}, 120_000);

describe('hospital settings', () => {
  it('falls back to the development settings when no context is given', () => {
    expect(settingsFromContext(undefined)).toEqual(DEV_SETTINGS);
  });

  it('reads settings from a JSON string or from a JSON file path', () => {
    const settings: MedPatchSettings = { ...DEV_SETTINGS, cmmsSecretArn: HOSPITAL_SECRET_ARN };
    const file = join(tempDir, 'hospital.json');
    writeFileSync(file, JSON.stringify(settings));

    expect(settingsFromContext(JSON.stringify(settings))).toEqual(settings);
    expect(settingsFromContext(file)).toEqual(settings);
  });

  it('refuses a CMMS URL without TLS, naming the field', () => {
    expect(() => settingsFromContext({ ...DEV_SETTINGS, cmmsBaseUrl: 'http://cmms.example.org' })).toThrow(
      /cmmsBaseUrl/,
    );
  });

  it('refuses a partial secret ARN, which would force a wildcard into the function policies', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:medpatch/cmms';

    expect(() => settingsFromContext({ ...DEV_SETTINGS, cmmsSecretArn: partial })).toThrow(/cmmsSecretArn/);
  });

  it('refuses unknown keys so a misspelt setting is not silently ignored', () => {
    expect(() => settingsFromContext({ ...DEV_SETTINGS, cmmsBaseURL: 'https://x.example.org' })).toThrow();
  });

  it('validates settings in the stack itself, whoever constructs it', () => {
    const bad = { ...DEV_SETTINGS, cmmsKind: 'Service Now' };

    expect(() => new MedPatchStack(appWithoutBundling(), 'Bad', { settings: bad })).toThrow(/cmmsKind/);
  });

  it("uses the hospital's existing secret when its ARN is given, creating none and granting only that ARN", () => {
    const stack = new MedPatchStack(appWithoutBundling(), 'WithSecret', {
      settings: { ...DEV_SETTINGS, cmmsSecretArn: HOSPITAL_SECRET_ARN },
    });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const policies = {
      ...template.findResources('AWS::IAM::Policy'),
      ...template.findResources('AWS::IAM::ManagedPolicy'),
    };
    const secretResources = Object.values(policies).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((statement) => statement.Resource),
    );
    expect(secretResources.length).toBeGreaterThan(0);
    expect(new Set(secretResources)).toEqual(new Set([HOSPITAL_SECRET_ARN]));
  });

  it('accepts the example hospital file, resolving its policy file next to it', () => {
    const settings = settingsFromContext(EXAMPLE_FILE);

    expect(settings.hospital).toBe('st-example');
    expect(settings.stage).toBe('prod');
    expect(settings.policyFile).toBe(resolve(dirname(EXAMPLE_FILE), 'hospital-policy.example.json'));
    expect(JSON.parse(readPolicy(settings.policyFile ?? ''))).toMatchObject({
      gate: { medicalDevices: 'manufacturer_validation_required' },
    });
  });

  it('refuses a policy file that would switch the gate off, naming the path', () => {
    const file = join(tempDir, 'gate-off.json');
    writeFileSync(
      file,
      JSON.stringify({
        policyVersion: 'x',
        gate: { medicalDevices: 'off' },
        validationRecorderRoles: ['clinical-engineering'],
      }),
    );

    expect(() => readPolicy(file)).toThrow(/gate\.medicalDevices/);
  });

  it('names each bad subscription field: e-mail, E.164 phone, unknown filter attribute, duplicate role', () => {
    const attempt = (stakeholders: unknown[]) => () =>
      parseSettings({ ...DEV_SETTINGS, alerts: { stakeholders } }, 'test');

    expect(attempt([{ role: 'ce', emails: ['not-an-email'] }])).toThrow(/emails/);
    expect(attempt([{ role: 'ce', phones: ['555-0100'] }])).toThrow(/E\.164/);
    expect(attempt([{ role: 'ce', filter: { ward: ['ICU'] } }])).toThrow(/filter/);
    expect(attempt([{ role: 'ce' }, { role: 'ce' }])).toThrow(/listed twice/);
  });

  it('re-times a scheduled function, and refuses a schedule for a function without one', () => {
    const stack = new MedPatchStack(appWithoutBundling(), 'Retimed', {
      settings: parseSettings({ ...DEV_SETTINGS, schedules: { cmmsSync: 'rate(2 hours)' } }, 'test'),
    });
    const schedules = Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule')).map(
      (schedule) => schedule.Properties.ScheduleExpression,
    );

    expect(schedules).toContain('rate(2 hours)');
    expect(schedules).not.toContain('rate(1 hour)');
    expect(() => parseSettings({ ...DEV_SETTINGS, schedules: { matcher: 'rate(1 hour)' } }, 'test')).toThrow(
      /schedules\.matcher|matcher has no schedule/,
    );
  });

  it('refuses a schedule slower than the feed’s stale-feed alarm, unless the alarm is moved too', () => {
    const daily = { ...DEV_SETTINGS, schedules: { cmmsSync: 'rate(1 day)' } };

    expect(() => parseSettings(daily, 'test')).toThrow(/staleAfterHours\.cmmsSync/);
    expect(() =>
      parseSettings({ ...daily, alarms: { errorRatePercent: 5, staleAfterHours: { cmmsSync: 30 } } }, 'test'),
    ).not.toThrow();
  });

  it('passes the device table and field map to the functions that talk to the CMMS, and leaves them unset otherwise', () => {
    const fieldMap = { softwareVersion: 'u_firmware_release' };
    const withMap = new MedPatchStack(appWithoutBundling(), 'WithMap', {
      settings: parseSettings(
        { ...DEV_SETTINGS, cmmsDeviceTable: 'u_medical_device', cmmsFieldMap: fieldMap },
        'test',
      ),
    });
    const without = new MedPatchStack(appWithoutBundling(), 'WithoutMap', { settings: DEV_SETTINGS });
    const variablesOf = (stack: MedPatchStack): Record<string, unknown> => {
      const id = stack.getLogicalId(stack.functions.cmmsSync.function.node.defaultChild as CfnElement);
      return Template.fromStack(stack).toJSON().Resources[id].Properties.Environment.Variables;
    };

    expect(variablesOf(withMap)[ENV.cmmsDeviceTable]).toBe('u_medical_device');
    expect(JSON.parse(String(variablesOf(withMap)[ENV.cmmsFieldMap]))).toEqual(fieldMap);
    expect(variablesOf(without)).not.toHaveProperty(ENV.cmmsDeviceTable);
    expect(variablesOf(without)).not.toHaveProperty(ENV.cmmsFieldMap);
  });

  it('deploys several hospitals and stages from one app, side by side, without physical names', () => {
    const app = appWithoutBundling();
    const deployments = [
      { hospital: 'north', stage: 'dev' },
      { hospital: 'north', stage: 'prod' },
      { hospital: 'south', stage: 'prod' },
    ] as const;
    const stacks = deployments.map(
      (d) =>
        new MedPatchStack(app, stackIdFor(d), { settings: parseSettings({ ...DEV_SETTINGS, ...d }, 'test') }),
    );

    expect(stacks.map((stack) => stack.stackName)).toEqual([
      'MedPatch-north-dev',
      'MedPatch-north-prod',
      'MedPatch-south-prod',
    ]);
    // Names CDK derives from the stack (vault, API) are unique per deployment; a literal name would collide.
    const namedProperty =
      /^(TableName|QueueName|TopicName|FunctionName|LogGroupName|RoleName|BackupVaultName|ManagedPolicyName|DashboardName|Name|ApiName)$/;
    const literalNames = stacks.map((stack) => {
      const resources = Template.fromStack(stack).toJSON().Resources as Record<
        string,
        { Properties?: Record<string, unknown> }
      >;
      return Object.entries(resources).flatMap(([id, resource]) =>
        Object.entries(resource.Properties ?? {})
          .filter(([property, value]) => namedProperty.test(property) && typeof value === 'string')
          .map(([property, value]) => ({ at: `${id}.${property}`, name: String(value) })),
      );
    });
    stacks.forEach((stack, index) => {
      const stackToken = stack.stackName.replace(/[^A-Za-z0-9]/g, '');
      for (const { at, name } of literalNames[index] ?? []) {
        expect(name.replace(/[^A-Za-z0-9]/g, ''), `${stack.stackName} ${at}`).toContain(stackToken);
      }
    });
    const all = literalNames.flat().map(({ name }) => name);
    expect(new Set(all).size).toBe(all.length);
    const tags = Template.fromStack(stacks[2] as MedPatchStack).toJSON().Resources;
    const tableTags = Object.values(
      tags as Record<string, { Type: string; Properties: { Tags?: unknown } }>,
    ).find((r) => r.Type === 'AWS::DynamoDB::Table')?.Properties.Tags;
    expect(tableTags).toEqual(
      expect.arrayContaining([
        { Key: 'medpatch:hospital', Value: 'south' },
        { Key: 'medpatch:stage', Value: 'prod' },
      ]),
    );
  });

  it('puts every function in the hospital VPC behind an HTTPS-only security group when a VPC is given', () => {
    const stack = new MedPatchStack(appWithoutBundling(), 'InVpc', {
      settings: parseSettings(
        {
          ...DEV_SETTINGS,
          vpc: {
            vpcId: 'vpc-0123abcd',
            availabilityZones: ['eu-west-1a', 'eu-west-1b'],
            privateSubnetIds: ['subnet-0123abcd', 'subnet-4567abcd'],
          },
        },
        'test',
      ),
    });
    acknowledgeNagFindings(stack);
    const template = Template.fromStack(stack);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));

    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.VpcConfig?.SubnetIds).toEqual(['subnet-0123abcd', 'subnet-4567abcd']);
    }
    const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]?.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
    ]);
    expect(groups[0]?.Properties.SecurityGroupIngress).toBeUndefined();
    const findings = medPatchNagPacks(stack.node.root).flatMap(
      (pack) => pack.validateScope(stack.node.root).violations,
    );
    expect(findings.map((f) => f.ruleName)).not.toContain('HIPAA.Security-LambdaInsideVPC');
  });

  it('refuses a VPC whose subnets do not line up with its availability zones', () => {
    expect(() =>
      parseSettings(
        {
          ...DEV_SETTINGS,
          vpc: { vpcId: 'vpc-0123abcd', availabilityZones: ['eu-west-1a'], privateSubnetIds: [] },
        },
        'test',
      ),
    ).toThrow(/privateSubnetIds/);
  });

  it('encrypts a created CMMS secret with its own key and grants reading an existing one through its key', () => {
    const created = Template.fromStack(
      new MedPatchStack(appWithoutBundling(), 'Created', {
        settings: parseSettings({ ...DEV_SETTINGS, cmmsSecretName: 'medpatch/dev/cmms' }, 'test'),
      }),
    );
    const secret = Object.values(created.findResources('AWS::SecretsManager::Secret'))[0];
    expect(secret?.Properties).toMatchObject({ Name: 'medpatch/dev/cmms', KmsKeyId: expect.anything() });

    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const existing = Template.fromStack(
      new MedPatchStack(appWithoutBundling(), 'Existing', {
        settings: parseSettings(
          { ...DEV_SETTINGS, cmmsSecretArn: HOSPITAL_SECRET_ARN, cmmsSecretKmsKeyArn: keyArn },
          'test',
        ),
      }),
    );
    const statements = Object.values(existing.findResources('AWS::IAM::ManagedPolicy')).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as {
          Action: unknown;
          Resource: unknown;
          Condition?: unknown;
        }[],
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
      }),
    );
    expect(JSON.stringify(statements.filter((s) => s.Resource === keyArn))).toContain('secretsmanager.');
    expect(() =>
      parseSettings({ ...DEV_SETTINGS, cmmsSecretArn: HOSPITAL_SECRET_ARN, cmmsSecretName: 'x' }, 'test'),
    ).toThrow(/cmmsSecretName/);
  });
});
