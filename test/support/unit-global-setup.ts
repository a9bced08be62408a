import { useLocalRedis } from './local-redis';
import { openSkipLog } from './prerequisites';

/** The unit project's one set-up: its Redis specs use the local Redis when it answers. */
export default async function unitGlobalSetup(): Promise<void> {
  openSkipLog();
  await useLocalRedis();
}
