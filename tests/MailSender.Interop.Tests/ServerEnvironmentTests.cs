using MailSender.Interop.Tests.Support;

namespace MailSender.Interop.Tests;

/// <summary>The servers are running and advertise what the other tests assume (scripts/interop/start.sh records each EHLO).</summary>
public sealed class ServerEnvironmentTests
{
    [SkippableTheory]
    [MemberData(nameof(InteropCases.Servers), MemberType = typeof(InteropCases))]
    public void Server_IsRunningWithItsListenersAndExtensions(string name)
    {
        var server = InteropEnvironment.Require(name);
        var profile = server.Profile;

        Assert.Equal(profile.Securities.Order(), server.Ports.Where(p => p.Value != 0).Select(p => p.Key).Order());
        if (server.Extensions is { } extensions)
        {
            Assert.Equal(profile.Pipelining, extensions.Contains("PIPELINING"));
            Assert.Equal(profile.Chunking, extensions.Contains("CHUNKING"));
            Assert.Equal(profile.SmtpUtf8, extensions.Contains("SMTPUTF8"));
            Assert.Contains("8BITMIME", extensions);
            Assert.DoesNotContain("STARTTLS", extensions);
        }
    }
}
