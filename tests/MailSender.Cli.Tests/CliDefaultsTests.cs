namespace MailSender.Cli.Tests;

public sealed class CliDefaultsTests
{
    [Theory]
    [InlineData("root", "buildhost", "root@buildhost")]
    [InlineData("Jane Doe", "DESKTOP-AB12", "jane-doe@desktop-ab12")]
    [InlineData("DOMAIN\\jane", "host.example.com", "domain-jane@host.example.com")]
    [InlineData("ann_é", ".weird..host.", "ann--@weird.host")]
    [InlineData("", "", "mailsender@localhost")]
    public void LocalAddress_SanitizesUserAndMachine(string user, string machine, string expected)
    {
        Assert.Equal(expected, CliDefaults.LocalAddress(user, machine));
    }

    [Fact]
    public void Transport_IsPickupFolderOutbox()
    {
        Assert.Equal("pickup:outbox", CliDefaults.Transport);
    }
}
