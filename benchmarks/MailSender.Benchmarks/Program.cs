using BenchmarkDotNet.Running;
using MailSender.Benchmarks.Bulk;
using MailSender.Benchmarks.Outbox;
using MailSender.Benchmarks.Throughput;

// `throughput` runs the end-to-end harness against a real SMTP sink (see Throughput/ThroughputCommand.cs), `outbox`
// measures the durable outbox (enqueue rates, delivery through it against direct sending; Outbox/OutboxCommand.cs), `bulk`
// compares SendBulkAsync with a hand-written Task.WhenAll (Bulk/BulkCommand.cs);
// every other argument list goes to BenchmarkDotNet's micro-benchmarks of the per-message path.
if (args.Length > 0 && args[0] == ThroughputCommand.Name)
{
    return await ThroughputCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == BulkCommand.Name)
{
    return await BulkCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == OutboxCommand.Name)
{
    return await OutboxCommand.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
