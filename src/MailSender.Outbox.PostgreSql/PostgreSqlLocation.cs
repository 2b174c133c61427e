using System.Globalization;
using Npgsql;

namespace MailSender.Outbox.PostgreSql;

/// <summary>
/// Reads what follows <c>postgres:</c> in a store: an Npgsql connection string (<c>Host=db;Database=app;Username=app</c>)
/// or a libpq URI (<c>postgres://user:password@host:port/database?sslmode=require</c>), which Npgsql does not parse itself.
/// </summary>
internal static class PostgreSqlLocation
{
    // libpq's URI parameters and the Npgsql settings they mean (https://www.postgresql.org/docs/current/libpq-connect.html).
    private static readonly Dictionary<string, Action<NpgsqlConnectionStringBuilder, string>> UriParameters = new(StringComparer.Ordinal)
    {
        ["host"] = (b, v) => b.Host = v,
        ["hostaddr"] = (b, v) => b.Host = v,
        ["port"] = (b, v) => b.Port = Port(v),
        ["dbname"] = (b, v) => b.Database = v,
        ["user"] = (b, v) => b.Username = v,
        ["password"] = (b, v) => b.Password = v,
        ["passfile"] = (b, v) => b.Passfile = v,
        ["application_name"] = (b, v) => b.ApplicationName = v,
        ["connect_timeout"] = (b, v) => b.Timeout = int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture),
        ["options"] = (b, v) => b.Options = v,
        ["client_encoding"] = (b, v) => b.ClientEncoding = v,
        ["sslmode"] = (b, v) => b.SslMode = SslMode(v),
        ["sslcert"] = (b, v) => b.SslCertificate = v,
        ["sslkey"] = (b, v) => b.SslKey = v,
        ["sslpassword"] = (b, v) => b.SslPassword = v,
        ["sslrootcert"] = (b, v) => b.RootCertificate = v,
        ["sslnegotiation"] = (b, v) => b.SslNegotiation = v switch
        {
            "postgres" => Npgsql.SslNegotiation.Postgres,
            "direct" => Npgsql.SslNegotiation.Direct,
            _ => throw new FormatException(),
        },
        ["channel_binding"] = (b, v) => b.ChannelBinding = v switch
        {
            "disable" => Npgsql.ChannelBinding.Disable,
            "prefer" => Npgsql.ChannelBinding.Prefer,
            "require" => Npgsql.ChannelBinding.Require,
            _ => throw new FormatException(),
        },
        ["target_session_attrs"] = (b, v) => b.TargetSessionAttributes = v,
        ["load_balance_hosts"] = (b, v) => b.LoadBalanceHosts = v switch
        {
            "random" => true,
            "disable" => false,
            _ => throw new FormatException(),
        },
        ["keepalives"] = (b, v) => b.TcpKeepAlive = v switch
        {
            "1" => true,
            "0" => false,
            _ => throw new FormatException(),
        },
        ["keepalives_idle"] = (b, v) => b.TcpKeepAliveTime = int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture),
        ["keepalives_interval"] = (b, v) => b.TcpKeepAliveInterval = int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture),
    };

    /// <summary>Tells whether <paramref name="location"/> is a URI (<c>postgres://</c>, <c>postgresql://</c>, or <c>//</c> when the store was written <c>postgres://...</c>).</summary>
    public static bool IsUri(string location) =>
        location.StartsWith("//", StringComparison.Ordinal)
        || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the store as the user wrote it, without the password: <c>postgres:Host=...;Password=***</c> or
    /// <c>postgres://user:***@host/db</c>.
    /// </summary>
    public static string Describe(string location)
    {
        if (!IsUri(location))
        {
            return Outbox.Storage.StoreLocation.Redact("postgres:" + location);
        }

        var store = location.StartsWith("//", StringComparison.Ordinal) ? "postgres:" + location : location;

        // The password ends at the authority's last '@' (one written unencoded may hold '@' or ':'); a password in the
        // query (?password=...) is left to StoreLocation.Redact.
        var start = store.IndexOf("//", StringComparison.Ordinal) + 2;
        var end = store.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? store[start..] : store[start..end];
        var at = authority.LastIndexOf('@');
        var colon = at < 0 ? -1 : authority.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && colon < at)
        {
            store = string.Concat(store.AsSpan(0, start + colon + 1), "***", store.AsSpan(start + at));
        }

        return Outbox.Storage.StoreLocation.Redact(store);
    }

    /// <summary>Parses the location; throws <see cref="EmailSendException"/> (<see cref="EmailErrorKind.Configuration"/>) naming what is wrong, never the password.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string location, string description)
    {
        if (string.IsNullOrWhiteSpace(location))
        {
            throw Bad(description, "it has no connection string");
        }

        var builder = IsUri(location) ? ParseUri(location, description) : ParseConnectionString(location, description);
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Bad(description, "it names no host (Host=... or postgres://HOST/...)");
        }

        return builder;
    }

    private static NpgsqlConnectionStringBuilder ParseConnectionString(string location, string description)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(location);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            // Npgsql names the keyword ("Couldn't set port"), not its value.
            throw Bad(description, $"Npgsql could not read it: {ex.Message}", ex);
        }
    }

    private static NpgsqlConnectionStringBuilder ParseUri(string location, string description)
    {
        var rest = location[(location.IndexOf("//", StringComparison.Ordinal) + 2)..];
        if (rest.Contains('#', StringComparison.Ordinal))
        {
            throw Bad(description, "a PostgreSQL URI has no #fragment");
        }

        var query = string.Empty;
        var questionMark = rest.IndexOf('?', StringComparison.Ordinal);
        if (questionMark >= 0)
        {
            query = rest[(questionMark + 1)..];
            rest = rest[..questionMark];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        var path = slash >= 0 ? rest[(slash + 1)..] : string.Empty;
        var builder = new NpgsqlConnectionStringBuilder();

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Decode(colon >= 0 ? userInfo[..colon] : userInfo, description, "user name");
            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..], description, "password");
            }
        }

        if (authority.Length > 0)
        {
            var hosts = new List<(string Host, int? Port)>();
            foreach (var spec in authority.Split(','))
            {
                hosts.Add(HostAndPort(spec, description));
            }

            if (hosts.Count == 1)
            {
                builder.Host = hosts[0].Host;
                if (hosts[0].Port is { } port)
                {
                    builder.Port = port;
                }
            }
            else
            {
                // Npgsql takes several hosts as Host=a:5432,b:5433 (libpq's multi-host URI).
                builder.Host = string.Join(',', hosts.Select(h => h.Port is { } port ? string.Create(CultureInfo.InvariantCulture, $"{Bracket(h.Host)}:{port}") : Bracket(h.Host)));
            }
        }

        if (path.Length > 0)
        {
            builder.Database = Decode(path, description, "database name");
        }

        var unknown = new List<string>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals >= 0 ? pair[..equals] : pair, description, "parameter name");
            var value = equals >= 0 ? Decode(pair[(equals + 1)..], description, $"value of '{name}'") : string.Empty;
            if (UriParameters.TryGetValue(name, out var apply))
            {
                try
                {
                    apply(builder, value);
                }
                catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
                {
                    // The value of "password" or "sslpassword" never fails, so naming the value is safe here.
                    throw Bad(description, $"its parameter {name}={value} is not valid", ex);
                }
            }
            else if (!TrySetNpgsql(builder, name, value))
            {
                unknown.Add(name);
            }
        }

        if (unknown.Count > 0)
        {
            throw Bad(description, $"its URI has parameters neither libpq nor Npgsql knows: {string.Join(", ", unknown)}");
        }

        return builder;
    }

    // An Npgsql keyword in the query (e.g. "Search Path=app" written search%20path=app) is taken as it is.
    private static bool TrySetNpgsql(NpgsqlConnectionStringBuilder builder, string name, string value)
    {
        if (name.Length == 0 || !builder.ContainsKey(name))
        {
            return false;
        }

        try
        {
            builder[name] = value;
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static (string Host, int? Port) HostAndPort(string spec, string description)
    {
        string host;
        string? port = null;
        if (spec.StartsWith('['))
        {
            var close = spec.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Bad(description, $"its host '{spec}' opens a [ without closing it");
            }

            host = spec[1..close];
            if (close + 1 < spec.Length)
            {
                if (spec[close + 1] != ':')
                {
                    throw Bad(description, $"its host '{spec}' has something other than :PORT after the ]");
                }

                port = spec[(close + 2)..];
            }
        }
        else
        {
            var colon = spec.IndexOf(':', StringComparison.Ordinal);
            host = colon >= 0 ? spec[..colon] : spec;
            port = colon >= 0 ? spec[(colon + 1)..] : null;
        }

        host = Decode(host, description, "host");
        if (host.Length == 0)
        {
            throw Bad(description, $"a host of '{spec}' is empty");
        }

        if (port is null || port.Length == 0)
        {
            return (host, null);
        }

        try
        {
            return (host, Port(port));
        }
        catch (FormatException ex)
        {
            throw Bad(description, $"its port '{port}' is not a number from 1 to 65535", ex);
        }
    }

    private static int Port(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 ? port : throw new FormatException();

    private static Npgsql.SslMode SslMode(string value) => value switch
    {
        "disable" => Npgsql.SslMode.Disable,
        "allow" => Npgsql.SslMode.Allow,
        "prefer" => Npgsql.SslMode.Prefer,
        "require" => Npgsql.SslMode.Require,
        "verify-ca" => Npgsql.SslMode.VerifyCA,
        "verify-full" => Npgsql.SslMode.VerifyFull,
        _ => throw new FormatException(),
    };

    private static string Bracket(string host) => host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host;

    private static string Decode(string text, string description, string what)
    {
        try
        {
            // libpq decodes %XX only ('+' stays a plus), as Uri.UnescapeDataString does.
            var decoded = Uri.UnescapeDataString(text);
            if (decoded.Contains('\uFFFD', StringComparison.Ordinal) && !text.Contains('\uFFFD', StringComparison.Ordinal))
            {
                throw new FormatException();
            }

            return decoded;
        }
        catch (FormatException ex)
        {
            throw Bad(description, $"its {what} is not valid percent-encoded UTF-8", ex);
        }
    }

    private static EmailSendException Bad(string description, string why, Exception? inner = null) =>
        new(EmailErrorKind.Configuration, $"The outbox store {description} is not a PostgreSQL connection string or URI: {why}.", inner)
        {
            Hint = "Write postgres:Host=HOST;Port=5432;Database=DB;Username=USER;Password=... (Npgsql) or postgres://USER:PASSWORD@HOST:5432/DB?sslmode=require (percent-encode special characters in the user name and password).",
        };
}
