namespace MailSender.Tests;

/// <summary>The net8.0 build of the tests runs on .NET 8 itself (self-contained, see tests/BothRuntimes.props), not rolled forward.</summary>
public class TargetRuntimeTests
{
    [Fact]
    public void Tests_RunOnTheRuntimeTheyWereBuiltFor()
    {
#if NET10_0
        const int Expected = 10;
#elif NET8_0
        const int Expected = 8;
#endif
        Assert.Equal(Expected, Environment.Version.Major);
    }
}
