import { App, Validations } from 'aws-cdk-lib';
import { acknowledgeNagFindings, medPatchNagPacks } from './nag';
import { SETTINGS_CONTEXT_KEY, settingsFromContext, stackIdFor } from './settings';
import { MedPatchStack } from './stack';

// One app, any hospital and stage: `npx cdk deploy -c medpatch:config=./hospital.json`. The stack is named
// after the hospital and stage, so several deployments live side by side in one account.
const app = new App();
const settings = settingsFromContext(app.node.tryGetContext(SETTINGS_CONTEXT_KEY));
const stack = new MedPatchStack(app, stackIdFor(settings), {
  settings,
  env: {
    account: settings.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: settings.region ?? process.env.CDK_DEFAULT_REGION,
  },
});
acknowledgeNagFindings(stack);
Validations.of(app).addPlugins(...medPatchNagPacks(app));
app.synth();
