import { App, Validations } from 'aws-cdk-lib';
import { acknowledgeNagFindings, medPatchNagPacks } from './nag';
import { SETTINGS_CONTEXT_KEY, settingsFromContext } from './settings';
import { MedPatchStack } from './stack';

const app = new App();
const stack = new MedPatchStack(app, 'MedPatch', {
  settings: settingsFromContext(app.node.tryGetContext(SETTINGS_CONTEXT_KEY)),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
acknowledgeNagFindings(stack);
Validations.of(app).addPlugins(...medPatchNagPacks(app));
app.synth();
