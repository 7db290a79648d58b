import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PersistentChatStack } from '../lib/persistent-chat-stack';
import { settingsFromContext } from '../lib/settings';

const app = new App();
const settings = settingsFromContext(app.node);
new PersistentChatStack(app, settings.stackName, {
  settings,
  description: 'persistent-chat: Amazon Connect persistent chat, serverless',
});
// cdk-nag on every synth: an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
