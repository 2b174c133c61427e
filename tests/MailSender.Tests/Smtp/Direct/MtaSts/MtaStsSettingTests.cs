using MailSender.Smtp.Direct;

namespace MailSender.Tests.Smtp.Direct.MtaSts;

/// <summary>The <c>mtaSts=</c> option of <c>direct:</c> URIs.</summary>
public class MtaStsSettingTests
{
    [Theory]
    [InlineData("direct:", "enforce", "direct:?port=25")]
    [InlineData("direct:?mtaSts=enforce", "enforce", "direct:?port=25")]
    [InlineData("direct:?mtaSts=Testing", "testing", "direct:?port=25&mtaSts=testing")]
    [InlineData("direct:?mtaSts=off&requireTls=true", "off", "direct:?port=25&requireTls=true&mtaSts=off")]
    public void CreateSettings_MtaSts(string uri, string expected, string name)
    {
        var settings = DirectTransportFactory.CreateSettings(TransportUri.Parse(uri), new MailSenderOptions());

        Assert.Equal(Enum.Parse<MtaStsUse>(expected, ignoreCase: true), settings.MtaSts);
        Assert.Equal(name, settings.DisplayName);
        Assert.Equal(443, settings.MtaStsPolicyPort);
        Assert.Null(settings.MtaStsPolicyTrust);
    }

    [Theory]
    [InlineData("direct:?mtaSts=on")]
    [InlineData("direct:?mtaSts=")]
    [InlineData("direct:?mtaSts=none")]
    public void CreateSettings_BadMtaSts_NamesTheOptionAndTheValues(string uri)
    {
        var error = Assert.Throws<EmailSendException>(() => DirectTransportFactory.CreateSettings(TransportUri.Parse(uri), new MailSenderOptions()));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("mtaSts", error.Message, StringComparison.Ordinal);
        Assert.Contains("enforce", error.Message, StringComparison.Ordinal);
    }
}
