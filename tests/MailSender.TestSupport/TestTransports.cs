namespace MailSender.TestSupport;

/// <summary>Transport URIs for servers on 127.0.0.1, with short timeouts so a hang fails a test in seconds.</summary>
public static class TestTransports
{
    /// <summary>Gets the <c>caFile</c> parameter that trusts <see cref="TestCertificates.Authority"/>.</summary>
    public static string CaFile => "caFile=" + Uri.EscapeDataString(TestCertificates.AuthorityPemFile);

    /// <summary>An <c>smtp://</c> URI; <paramref name="query"/> holds the options, e.g. <c>security=none</c>.</summary>
    public static string Smtp(int port, string query, string? user = null, string? password = null) =>
        Build("smtp", port, query, user, password);

    /// <summary>An <c>smtps://</c> (implicit TLS) URI.</summary>
    public static string Smtps(int port, string query, string? user = null, string? password = null) =>
        Build("smtps", port, query, user, password);

    private static string Build(string scheme, int port, string query, string? user, string? password)
    {
        var userInfo = user is null ? string.Empty : Uri.EscapeDataString(user) + (password is null ? string.Empty : ":" + Uri.EscapeDataString(password)) + "@";
        var options = query.Split('&', StringSplitOptions.RemoveEmptyEntries).ToList();
        var names = options.Select(o => o.Split('=')[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!names.Contains("connectTimeout"))
        {
            options.Add("connectTimeout=5s");
        }

        if (!names.Contains("timeout"))
        {
            options.Add("timeout=5s");
        }

        return $"{scheme}://{userInfo}127.0.0.1:{port}?{string.Join('&', options)}";
    }
}
