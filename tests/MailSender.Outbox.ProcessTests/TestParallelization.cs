// The process tests run one at a time: on a small machine, the worker processes of one test would slow the other's
// (later kills, a noisier rate), and what they measure is the outbox, not the machine's load.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
