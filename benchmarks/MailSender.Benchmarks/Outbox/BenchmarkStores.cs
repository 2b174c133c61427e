using System.Globalization;
using Npgsql;

namespace MailSender.Benchmarks.Outbox;

/// <summary>A kind of outbox store the benchmark measures; every run gets a fresh, empty one.</summary>
internal abstract class BenchmarkStore
{
    /// <summary>Gets the name in the table and the JSON (<c>sqlite</c>, <c>postgres</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Gets a line saying where the stores are made, for the log.</summary>
    public abstract string Description { get; }

    /// <summary>Creates an empty store; its <see cref="FreshStore.Store"/> is what <c>MailSender:Outbox:Store</c> is set to.</summary>
    public abstract Task<FreshStore> CreateAsync(CancellationToken cancellationToken);
}

/// <summary>One run's store: the store string and what removes it (after the outbox using it was disposed).</summary>
internal sealed class FreshStore(string store, Func<Task> remove) : IAsyncDisposable
{
    public string Store { get; } = store;

    public async ValueTask DisposeAsync() => await remove();
}

/// <summary>A new SQLite file per run, in one folder made for the command (the store sets WAL and synchronous=FULL itself).</summary>
internal sealed class SqliteBenchmarkStore : BenchmarkStore
{
    private readonly string _folder;
    private readonly bool _removeFolder;
    private int _runs;

    public SqliteBenchmarkStore(string? folder)
    {
        if (folder is null)
        {
            _folder = Directory.CreateTempSubdirectory("mailsender-outbox-bench-").FullName;
            _removeFolder = true;
        }
        else
        {
            Directory.CreateDirectory(folder);
            _folder = folder;
        }
    }

    public override string Name => "sqlite";

    public override string Description => $"sqlite: a new file per run in {_folder} ({FileSystemOf(_folder)})";

    public override Task<FreshStore> CreateAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_folder, string.Create(CultureInfo.InvariantCulture, $"outbox-{Interlocked.Increment(ref _runs)}.db"));
        return Task.FromResult(new FreshStore("sqlite:" + path, () =>
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
            {
                File.Delete(file);
            }

            return Task.CompletedTask;
        }));
    }

    /// <summary>Removes the folder if this class made it.</summary>
    public void RemoveFolder()
    {
        if (_removeFolder && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>The file system type and device of the mount holding <paramref name="path"/> (from /proc/mounts), e.g. "ext4 on /dev/vda".</summary>
    private static string FileSystemOf(string path)
    {
        try
        {
            var best = (Mount: string.Empty, Text: "unknown file system");
            foreach (var line in File.ReadLines("/proc/mounts"))
            {
                var parts = line.Split(' ');
                if (parts.Length >= 3 && (path == parts[1] || path.StartsWith(parts[1].TrimEnd('/') + "/", StringComparison.Ordinal)) && parts[1].Length >= best.Mount.Length)
                {
                    best = (parts[1], $"{parts[2]} on {parts[0]}, mounted at {parts[1]}");
                }
            }

            return best.Text;
        }
        catch (IOException)
        {
            return "unknown file system";
        }
    }
}

/// <summary>A new schema per run (<c>Search Path=schema</c> in the store's connection string), dropped after the run.</summary>
internal sealed class PostgresBenchmarkStore : BenchmarkStore
{
    private readonly string _connectionString;
    private readonly string _description;

    private PostgresBenchmarkStore(string connectionString, string description)
    {
        _connectionString = connectionString;
        _description = description;
    }

    public override string Name => "postgres";

    public override string Description => _description;

    /// <summary>
    /// The connection string: <paramref name="given"/>, else <c>MAILSENDER_POSTGRES_SCRATCH</c> from the environment or
    /// from the postgres.env that scripts/postgres/start.sh writes; <see langword="null"/> when there is none.
    /// </summary>
    public static string? FindConnectionString(string? given)
    {
        if (given is not null)
        {
            return given;
        }

        if (Environment.GetEnvironmentVariable("MAILSENDER_POSTGRES_SCRATCH") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        var folder = Environment.GetEnvironmentVariable("MAILSENDER_POSTGRES_DIR") is { Length: > 0 } dir ? dir : "/tmp/mailsender-postgres";
        var file = Path.Combine(folder, "postgres.env");
        if (!File.Exists(file))
        {
            return null;
        }

        const string Key = "MAILSENDER_POSTGRES_SCRATCH=";
        return File.ReadLines(file).FirstOrDefault(l => l.StartsWith(Key, StringComparison.Ordinal))?[Key.Length..];
    }

    /// <summary>Connects once, so an unreachable server is reported before anything is measured; reads the settings that decide commit cost.</summary>
    public static async Task<PostgresBenchmarkStore> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var settings = new List<string>();
        foreach (var setting in new[] { "server_version", "fsync", "synchronous_commit", "wal_sync_method", "commit_delay" })
        {
            await using var command = new NpgsqlCommand($"SHOW {setting}", connection);
            settings.Add($"{setting}={await command.ExecuteScalarAsync(cancellationToken)}");
        }

        return new PostgresBenchmarkStore(connectionString, $"postgres: a new schema per run in database {builder.Database} on {builder.Host}:{builder.Port} ({string.Join(", ", settings)})");
    }

    public override async Task<FreshStore> CreateAsync(CancellationToken cancellationToken)
    {
        var schema = "mailsender_bench_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE SCHEMA {schema}", cancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { SearchPath = schema };
        return new FreshStore("postgres:" + builder.ConnectionString, () => ExecuteAsync($"DROP SCHEMA {schema} CASCADE", CancellationToken.None));
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        // Not pooled: the store's own data source has its pool; this one is used twice per run.
        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
