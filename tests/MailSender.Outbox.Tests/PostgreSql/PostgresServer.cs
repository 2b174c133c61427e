using Npgsql;

namespace MailSender.Outbox.Tests.PostgreSql;

/// <summary>
/// Finds the private PostgreSQL of the tests (scripts/postgres/start.sh): the connection strings come from the environment
/// variables <c>MAILSENDER_POSTGRES</c> and <c>MAILSENDER_POSTGRES_SCRATCH</c>, else from
/// <c>$MAILSENDER_POSTGRES_DIR/postgres.env</c> (default folder <c>/tmp/mailsender-postgres</c>). A test calls
/// <see cref="Require"/>: without a server it is skipped with the reason, except under <c>CI=true</c>, where it fails, so a
/// broken CI set-up cannot pass silently.
/// </summary>
internal sealed class PostgresServer
{
    public const string Variable = "MAILSENDER_POSTGRES";
    public const string ScratchVariable = "MAILSENDER_POSTGRES_SCRATCH";
    public const string DirectoryVariable = "MAILSENDER_POSTGRES_DIR";
    public const string DefaultDirectory = "/tmp/mailsender-postgres";
    public const string FileName = "postgres.env";

    private static readonly Lazy<PostgresServer> Instance = new(() => Find(
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } directory ? directory : DefaultDirectory,
        Environment.GetEnvironmentVariable(Variable),
        Environment.GetEnvironmentVariable(ScratchVariable)));

    private PostgresServer(string? connectionString, string? scratchConnectionString, string? unavailableReason)
    {
        ConnectionString = connectionString;
        ScratchConnectionString = scratchConnectionString;
        UnavailableReason = unavailableReason;
    }

    /// <summary>Gets the main test database (<c>mailsender</c>), or null when there is no server.</summary>
    public string? ConnectionString { get; }

    /// <summary>Gets the database in which tests create and drop their schemas (<c>mailsender_scratch</c>; the main one when only it is given).</summary>
    public string? ScratchConnectionString { get; }

    public string? UnavailableReason { get; }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the running server; skips the calling test when there is none, or fails it under <c>CI=true</c>.</summary>
    public static PostgresServer Require()
    {
        var server = Instance.Value;
        if (server.UnavailableReason is null)
        {
            return server;
        }

        if (IsCi)
        {
            throw new InvalidOperationException(server.UnavailableReason + " CI=true, so the PostgreSQL tests fail instead of being skipped (.ci/run starts PostgreSQL with scripts/postgres/start.sh).");
        }

        Skip.If(true, server.UnavailableReason);
        return server;
    }

    /// <summary>Creates an empty schema with a random name in the scratch database, first in the search path of the connection string it returns.</summary>
    public async Task<PostgresSchema> CreateSchemaAsync()
    {
        var name = "outbox_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(ScratchConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(ScratchConnectionString) { SearchPath = name };
        return new PostgresSchema(name, builder.ConnectionString, ScratchConnectionString!);
    }

    private static PostgresServer Find(string directory, string? fromEnvironment, string? scratchFromEnvironment)
    {
        // The environment overrides the file as a whole: its server, never the file's scratch database with another's.
        var file = Path.Combine(directory, FileName);
        var fromFile = Blank(fromEnvironment) is null ? ReadFile(file) : [];
        var main = Blank(fromEnvironment) ?? fromFile.GetValueOrDefault(Variable);
        var scratch = Blank(scratchFromEnvironment) ?? fromFile.GetValueOrDefault(ScratchVariable) ?? main;
        const string Start = "PostgreSQL not running: run scripts/postgres/start.sh as root";
        if (main is null)
        {
            return new(null, null, $"{Start} ({Variable} is not set and {file} does not exist or has no {Variable}=...).");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(scratch) { Timeout = 3 };
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            return new(main, scratch, null);
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            var builder = new NpgsqlConnectionStringBuilder();
            try
            {
                builder.ConnectionString = scratch;
            }
            catch (ArgumentException)
            {
            }

            return new(null, null, $"{Start} ({builder.Host}:{builder.Port} database {builder.Database}: {ex.Message}).");
        }
    }

    private static Dictionary<string, string> ReadFile(string file)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(file))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines(file))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || equals <= 0)
            {
                continue;
            }

            values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return values;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>A schema of one test (or one store of it), dropped with everything in it at the end.</summary>
internal sealed class PostgresSchema(string name, string connectionString, string scratchConnectionString) : IAsyncDisposable, IDisposable
{
    public string Name { get; } = name;

    /// <summary>Gets the scratch database's connection string with this schema first in <c>Search Path</c>.</summary>
    public string ConnectionString { get; } = connectionString;

    /// <summary>Gets the store as the outbox is configured with it.</summary>
    public string Store => "postgres:" + ConnectionString;

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(scratchConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
