using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MailSender.Benchmarks.Throughput.Modes;
using MailSender.Benchmarks.Throughput.Peers;

namespace MailSender.Benchmarks.Throughput;

/// <summary>
/// <c>throughput</c>: compares messages per second and allocated bytes per message of MailSender, raw MailKit,
/// System.Net.Mail and smtp-source, in one run against the same sink (issue #3).
/// </summary>
/// <remarks>
/// Each (mode, connections) pair is warmed up and timed <c>--repeat</c> times, the pairs interleaved so a noisy
/// neighbour hurts all of them alike; the median is reported, and ratios to mailkit-reuse are what to compare.
/// </remarks>
internal static class ThroughputCommand
{
    public const string Name = "throughput";

    public static async Task<int> RunAsync(string[] args)
    {
        ThroughputOptions options;
        try
        {
            options = ThroughputOptions.Parse(args);
            var known = AllModes().Concat(OptInModes()).Select(m => m.Name).ToList();
            if (!known.Contains(options.Baseline))
            {
                throw new FormatException($"unknown baseline mode '{options.Baseline}'; known: {string.Join(", ", known)}.");
            }

            if (options.Modes?.Except(known).FirstOrDefault() is { } unknown)
            {
                throw new FormatException($"unknown mode '{unknown}'; known: {string.Join(", ", known)}.");
            }
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"throughput: {ex.Message}{Environment.NewLine}{ThroughputOptions.Usage}");
            return 2;
        }

        using var cancellation = new CancellationTokenSource();

        // Ctrl+C or kill: cancel and unwind, so the smtp-sink and stunnel started here are stopped too
        // (by default .NET would exit on SIGTERM without running the finally blocks).
        void Cancel(PosixSignalContext signal)
        {
            signal.Cancel = true;
            cancellation.Cancel();
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);

        LocalSink? localSink = null;
        DelayProxy? proxy = null;
        try
        {
            SmtpTarget target;
            if (options.Server is { } server)
            {
                target = new SmtpTarget(server, options.Tls ? options.StartTls ? TlsMode.StartTls : TlsMode.Implicit : TlsMode.None, options.CaFile, options.Thumbprint);
                Progress($"target: {server}{(options.Tls ? $" ({target.Tls})" : string.Empty)}");

                // Fail once, clearly, rather than once per mode.
                using var probe = new TcpClient();
                await probe.ConnectAsync(server.Host, server.Port, cancellation.Token);
            }
            else if (LocalSink.IsAvailable)
            {
                localSink = await LocalSink.StartAsync(options.Tls, cancellation.Token);
                target = localSink.Target;
                Progress($"started {localSink.Description}");
            }
            else
            {
                await Console.Error.WriteLineAsync($"throughput: no --server given and {LocalSink.SmtpSinkPath} is not installed (run scripts/bench/install.sh as root).");
                return 2;
            }

            if (options.RoundTrip is { } roundTrip)
            {
                proxy = DelayProxy.Start(target.Address, roundTrip);
                target = target.Via(proxy.Address);
                Progress($"delay proxy on {proxy.Address}: {roundTrip.TotalMilliseconds:0} ms round trip, counting the client's round trips");
            }

            var context = new ThroughputContext(target, new MessageFactory(options.Size), options.Messages, options.MaxDuration)
            {
                Proxy = proxy,
                Callers = options.Callers,
            };
            Progress($"message size {options.Size} bytes requested, {context.MessageFactory.WireSize} as MimeKit writes it; {options.Messages} messages per timed run, {options.Repeat} repetitions");
            var runs = await MeasureAsync(options, context, cancellation.Token);
            var results = Summarise(runs, options.Size);
            ResultsReport.ComputeRatios(results, options.Baseline);

            if (localSink?.ReceivedMessages() is { } received)
            {
                Progress($"smtp-sink counted {received} messages; the modes reported {context.SentMessages} sent (warm-ups included).");
            }

            var table = ResultsReport.ToTable(results, context, options);
            if (options.Json)
            {
                // stdout carries only the JSON; the table still goes to stderr, so one run can save both.
                Console.WriteLine(ResultsReport.ToJson(results));
                await Console.Error.WriteLineAsync(table);
            }
            else
            {
                Console.WriteLine(table);
            }

            return context.Failures == 0 ? 0 : 1;
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            // Whatever a send threw once cancelled (a cancelled TLS handshake may surface as a TLS error).
            await Console.Error.WriteLineAsync("throughput: cancelled.");
            return 130;
        }
        catch (Exception ex)
        {
            // Set-up problems (sink, stunnel, certificate, unreachable server): one line, not a stack trace.
            await Console.Error.WriteLineAsync($"throughput: {Describe(ex)}");
            return 1;
        }
        finally
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            localSink?.Dispose();
        }
    }

    internal static void Progress(string line) => Console.Error.WriteLine("throughput: " + line);

    private static IReadOnlyList<IThroughputMode> AllModes(ThroughputOptions? options = null) =>
    [
        new MailSenderMode(options?.MailSenderParameters),
        new MailKitReuseMode(),
        new MailKitPerMessageMode(),
        new SystemNetMailMode(),
        new SmtpSourceMode(),
    ];

    /// <summary>Modes run only when named in <c>--modes</c>: diagnostics rather than part of the comparison.</summary>
    private static IReadOnlyList<IThroughputMode> OptInModes(ThroughputOptions? options = null) =>
    [
        MailKitReuseMode.WithNagle(),
        MailSenderMode.Off(options?.MailSenderParameters),
        MailSenderMode.Aggressive(options?.MailSenderParameters, options?.MaxInFlight ?? 16),
        new NodemailerMode(),
    ];

    private static async Task<List<PairRuns>> MeasureAsync(
        ThroughputOptions options, ThroughputContext context, CancellationToken cancellationToken)
    {
        var modes = options.Modes is null
            ? AllModes(options).ToList()
            : AllModes(options).Concat(OptInModes(options)).Where(m => options.Modes.Contains(m.Name)).OrderBy(m => options.Modes.ToList().IndexOf(m.Name)).ToList();

        foreach (var mode in modes.ToList())
        {
            if (mode.SkipReason(context) is { } reason)
            {
                context.Note($"{mode.Name}: skipped, {reason}.");
                modes.Remove(mode);
            }
        }

        var pairs = modes.SelectMany(m => (options.Connections ?? m.ConnectionCounts).Select(c => new PairRuns(m, c))).ToList();
        if (options.PrimeDuration > TimeSpan.Zero)
        {
            await PrimeAsync(pairs, options, context, cancellationToken);
        }

        for (var repetition = 1; repetition <= options.Repeat; repetition++)
        {
            // A pair that failed once is not tried again: it would most likely fail (or time out) the same way.
            foreach (var pair in pairs.Where(p => !p.Failed))
            {
                var label = $"[{repetition}/{options.Repeat}] {pair.Mode.Name} x{pair.Connections}";
                try
                {
                    var measurement = await pair.Mode.RunAsync(context, pair.Connections, cancellationToken);
                    pair.Measurements.Add(measurement);
                    Progress($"{label}: {measurement.MessagesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} msg/s"
                        + (measurement.AllocatedBytesPerMessage is { } bytes ? $", {bytes.ToString("N0", CultureInfo.InvariantCulture)} B/msg" : string.Empty)
                        + (measurement.CpuMicrosecondsPerMessage is { } cpu ? $", {cpu.ToString("N0", CultureInfo.InvariantCulture)} us CPU/msg" : string.Empty));
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    pair.Failed = true;
                    context.Fail($"{pair.Mode.Name} x{pair.Connections} failed: {Describe(ex)}");
                    Progress($"{label}: FAILED {Describe(ex)}");
                }
            }
        }

        return pairs;
    }

    /// <summary>One untimed run of every in-process pair, so no mode is timed while the JIT is still optimising its code.</summary>
    private static async Task PrimeAsync(List<PairRuns> pairs, ThroughputOptions options, ThroughputContext context, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        foreach (var pair in pairs)
        {
            if (pair.Mode is not InProcessMode mode)
            {
                continue;
            }

            try
            {
                var first = await mode.PrimeAsync(context, pair.Connections, options.PrimeDuration, cancellationToken);
                pair.FirstRound = first;
                context.CountSent(first.Messages);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                pair.Failed = true;
                context.Fail($"{pair.Mode.Name} x{pair.Connections} failed while priming: {Describe(ex)}");
                Progress($"[prime] {pair.Mode.Name} x{pair.Connections}: FAILED {Describe(ex)}");
            }
        }

        Progress($"primed the in-process modes (up to {options.PrimeDuration.TotalSeconds:0} s each) in {started.Elapsed.TotalSeconds:0.0} s");
    }

    // MailKit's TLS errors span several lines; the first says what happened.
    private static string Describe(Exception exception) =>
        $"{exception.GetType().Name}: {exception.Message.Split('\n', 2)[0].Trim()}";

    private static List<ThroughputResult> Summarise(List<PairRuns> runs, int size) =>
        runs.Where(r => r.Measurements.Count > 0)
            .Select(r => new ThroughputResult(
                r.Mode.Name,
                r.Connections,
                size,
                Math.Round(Median(r.Measurements.Select(m => m.MessagesPerSecond)), 1),
                r.Measurements[0].AllocatedBytesPerMessage is null ? null : (long)Math.Round(Median(r.Measurements.Select(m => m.AllocatedBytesPerMessage!.Value))))
            {
                CpuMicrosecondsPerMessage = r.Measurements[0].CpuMicrosecondsPerMessage is null ? null : Math.Round(Median(r.Measurements.Select(m => m.CpuMicrosecondsPerMessage!.Value))),
                MsgsPerSecMin = Math.Round(r.Measurements.Min(m => m.MessagesPerSecond), 1),
                MsgsPerSecMax = Math.Round(r.Measurements.Max(m => m.MessagesPerSecond), 1),
                RoundTripsPerMessage = r.Measurements[0].RoundTripsPerMessage is null ? null : Math.Round(Median(r.Measurements.Select(m => m.RoundTripsPerMessage!.Value)), 2),
                FirstRoundMsgsPerSec = r.FirstRound is { Messages: > 0 } first ? Math.Round(first.MessagesPerSecond, 1) : null,
                PerRoundMsgsPerSec = r.Measurements.Select(m => m.MessagesPerSecond).ToArray(),
            })
            .ToList();

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The timed runs of one mode at one connection count.</summary>
    private sealed class PairRuns(IThroughputMode mode, int connections)
    {
        public IThroughputMode Mode { get; } = mode;

        public int Connections { get; } = connections;

        public List<Measurement> Measurements { get; } = [];

        /// <summary>Gets or sets the priming run: the mode's first round in this process, cold.</summary>
        public Measurement? FirstRound { get; set; }

        public bool Failed { get; set; }
    }
}
