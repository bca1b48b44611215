import { parseRecoveryConfig } from '../app/config';
import { createRecoveryDependencies } from '../app/dependencies';
import { sweeperHandler } from '../app/sweeper';

/** The scheduled sweeper, deployed: built once per container from its environment. */
export const handler = sweeperHandler(createRecoveryDependencies(parseRecoveryConfig(process.env)));
