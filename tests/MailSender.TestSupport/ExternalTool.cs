namespace MailSender.TestSupport;

/// <summary>
/// Skips a test whose external server or tool (dnsmasq, dkimverify) is missing, with the reason; under CI=true the test fails
/// instead, so a broken CI setup never passes silently.
/// </summary>
public static class ExternalTool
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void Require(bool available, string reason)
    {
        if (available)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail(reason + " CI=true, so this test fails instead of being skipped.");
        }

        Skip.If(true, reason);
    }
}
