using System.Net;
using MailSender.Smtp.Direct;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Direct;

/// <summary>The dnsmasq server that scripts/direct/setup.sh starts on 127.0.0.1:15353 with the records in scripts/direct/dnsmasq.conf.</summary>
internal static class TestDns
{
    public const string Server = "127.0.0.1:15353";

    private static readonly Lazy<Task<bool>> Available = new(ProbeAsync);

    public static DnsMxResolver CreateResolver() => new([IPEndPoint.Parse(Server)], TimeSpan.FromSeconds(2));

    /// <summary>Skips the test when dnsmasq does not answer (fails it under CI=true).</summary>
    public static async Task RequireAsync() =>
        ExternalTool.Require(await Available.Value, $"dnsmasq is not answering on {Server}: run scripts/direct/setup.sh (as root) first.");

    private static async Task<bool> ProbeAsync()
    {
        try
        {
            var lookup = await CreateResolver().LookupMxAsync("mx-ok.test", CancellationToken.None);
            return lookup.Status == MxLookupStatus.Found;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
