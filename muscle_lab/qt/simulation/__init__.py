"""The simulation thread: `controller` (SimulationController: the GUI thread's handle), `worker`
(SimulationWorker, in its thread: commands and stepping) on `worker_state` (its state, outbox
and pacing), `news` (what it sends back) and `handoff` (the excitations' mailbox)."""
