using BenchmarkDotNet.Running;

// Micro-benchmarks of the per-message path. The throughput harness against a real SMTP sink comes with pooling.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
