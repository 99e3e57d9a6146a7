import { describeCmmsConnectorContract } from './cmms-connector.contract';
import { serviceNowHarness } from './servicenow-harness';

describeCmmsConnectorContract('servicenow', { transport: 'http' }, (options) => serviceNowHarness(options));
