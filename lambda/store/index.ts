import { documentClient } from '../clients';
import { requireEnv } from '../config';
import { DynamoDbOrdersStore } from './orders-store';

/** The Orders table, shared by every handler of the container. */
export const ordersStore = new DynamoDbOrdersStore(documentClient, requireEnv('ORDERS_TABLE_NAME'));
