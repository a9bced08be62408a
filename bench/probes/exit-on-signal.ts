// Analysis-only preload (`node -r dist-bench/probes/exit-on-signal.js …`): Nest's shutdown hook
// ends the process by re-raising SIGTERM, and a process killed by a signal never writes its
// `--cpu-prof` profile. With this listener installed the re-raised signal arrives here instead,
// after Nest's orderly shutdown, and the process exits normally (profile written).
let received = 0;
process.on('SIGTERM', () => {
  received++;
  if (received > 1) process.exit(0);
});
