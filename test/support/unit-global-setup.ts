import { useLocalRedis } from './local-redis';

/** The unit project's one set-up: its Redis specs use the local Redis when it answers. */
export default async function unitGlobalSetup(): Promise<void> {
  await useLocalRedis();
}
