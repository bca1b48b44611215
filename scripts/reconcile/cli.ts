/** `npm run reconcile`: the operator's path for flagged orders (./reconcile.ts). */
import { parseConfig } from '../../lambda/app/config';
import {
  createDynamoDbClient,
  createOrdersStore,
  systemClock,
} from '../../lambda/app/dependencies';
import { reconcile, usage, UsageError } from './reconcile';

async function main(): Promise<number> {
  const config = parseConfig(process.env);
  const client = createDynamoDbClient(config);
  try {
    await reconcile(process.argv.slice(2), {
      store: createOrdersStore(config, client),
      clock: systemClock,
      print: (line) => console.log(line),
    });
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${usage}`);
    return 2;
  } finally {
    client.destroy();
  }
}

void main().then((code) => process.exit(code));
