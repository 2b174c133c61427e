using System.Globalization;

namespace MailSender.Benchmarks.Outbox;

/// <summary>The arguments of the <c>outbox</c> command.</summary>
internal sealed class OutboxBenchmarkOptions
{
    public const string Usage = """
        Usage: outbox [--messages N] [--e2e-messages N] [--rounds R] [--postgres CONNECTION-STRING | --no-postgres]
                      [--concurrency C] [--size BYTES] [--max-seconds S] [--sqlite-dir DIR] [--only enqueue|end-to-end] [--json]
          --messages N         messages per enqueue run (default 5000)
          --e2e-messages N     messages per end-to-end run (default: --messages)
          --rounds R           timed rounds after the first (cold) one; medians and min-max over these (default 3)
          --postgres CS        an Npgsql connection string to a database the benchmark may create schemas in
                               (default: MAILSENDER_POSTGRES_SCRATCH from the environment or from
                               $MAILSENDER_POSTGRES_DIR/postgres.env, /tmp/mailsender-postgres by default)
          --no-postgres        SQLite only
          --concurrency C      callers of the direct baseline, producers of the end-to-end enqueue, the worker's
                               concurrency and the pool's maxConnections (default 16)
          --size BYTES         message size (default 2048)
          --max-seconds S      an enqueue run stops after S seconds and is rated on what it stored (default 10)
          --sqlite-dir DIR     where the SQLite files are created (default: a new folder in the temp folder)
          --only enqueue|end-to-end   run one of the two benchmarks
          --json               only the JSON on stdout (the table goes to stderr)
        """;

    public int Messages { get; private set; } = 5000;

    public int? EndToEndMessages { get; private set; }

    public int Rounds { get; private set; } = 3;

    public string? PostgresConnectionString { get; private set; }

    public bool NoPostgres { get; private set; }

    public int Concurrency { get; private set; } = 16;

    public int Size { get; private set; } = 2048;

    public TimeSpan MaxDuration { get; private set; } = TimeSpan.FromSeconds(10);

    public string? SqliteDirectory { get; private set; }

    public bool Json { get; private set; }

    /// <summary>Gets the one benchmark to run (<c>enqueue</c> or <c>end-to-end</c>), or <see langword="null"/> for both.</summary>
    public string? Only { get; private set; }

    /// <summary>Gets the producer counts of the enqueue benchmark (issue 13: 1 and 8).</summary>
    public IReadOnlyList<int> Producers { get; } = [1, 8];

    public int MessagesEndToEnd => EndToEndMessages ?? Messages;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static OutboxBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new OutboxBenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "--messages":
                    options.Messages = Number(args, ref i, min: 1);
                    break;
                case "--e2e-messages":
                    options.EndToEndMessages = Number(args, ref i, min: 1);
                    break;
                case "--rounds":
                    options.Rounds = Number(args, ref i, min: 1);
                    break;
                case "--postgres":
                    options.PostgresConnectionString = Value(args, ref i);
                    break;
                case "--no-postgres":
                    options.NoPostgres = true;
                    break;
                case "--concurrency":
                    options.Concurrency = Number(args, ref i, min: 1);
                    break;
                case "--size":
                    options.Size = Number(args, ref i, min: 1);
                    break;
                case "--max-seconds":
                    options.MaxDuration = TimeSpan.FromSeconds(Number(args, ref i, min: 1));
                    break;
                case "--sqlite-dir":
                    options.SqliteDirectory = Path.GetFullPath(Value(args, ref i));
                    break;
                case "--json":
                    options.Json = true;
                    break;
                case "--only":
                    var only = Value(args, ref i);
                    options.Only = only is "enqueue" or "end-to-end" ? only : throw new FormatException($"--only expects enqueue or end-to-end, not '{only}'.");
                    break;
                default:
                    throw new FormatException($"unknown argument '{name}'.");
            }
        }

        if (options.NoPostgres && options.PostgresConnectionString is not null)
        {
            throw new FormatException("--postgres and --no-postgres contradict each other.");
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new FormatException($"{args[i]} needs a value.");
        }

        return args[++i];
    }

    private static int Number(IReadOnlyList<string> args, ref int i, int min)
    {
        var name = args[i];
        var text = Value(args, ref i);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new FormatException($"{name} expects a whole number of at least {min}, not '{text}'.");
        }

        return value;
    }
}
