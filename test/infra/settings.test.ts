import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_SETTINGS, type MedPatchSettings, settingsFromContext } from '../../infra/settings';
import { MedPatchStack } from '../../infra/stack';

const HOSPITAL_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:medpatch/cmms-AbC123';

/** An app that skips asset bundling: these tests look at settings and policies, not at handler bundles. */
function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

const tempDir = mkdtempSync(join(tmpdir(), 'medpatch-settings-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

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
});
