import { reportSkips } from './prerequisites';

/** The unit project's teardown: the skipped suites and their reasons (prerequisites.ts). */
export default function unitGlobalTeardown(): void {
  reportSkips();
}
