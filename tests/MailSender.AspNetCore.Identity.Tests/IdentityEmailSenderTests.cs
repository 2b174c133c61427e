using System.Text.Encodings.Web;
using MailSender.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.UI.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using UiEmailSender = Microsoft.AspNetCore.Identity.UI.Services.IEmailSender;

namespace MailSender.AspNetCore.Identity.Tests;

public class IdentityEmailSenderTests
{
    private const string Link = "https://app.example.com/confirmEmail?userId=42&code=a+b/c=";
    private static readonly IdentityUser User = new("ann") { Email = "ann@example.com" };

    [Fact]
    public async Task SendConfirmationLinkAsync_LinkEncodedByIdentity_IsEncodedOnceInHtmlAndRawInText()
    {
        var (provider, mail) = Build();
        await using var _ = provider;

        // ASP.NET Core Identity's endpoints pass the link through HtmlEncoder.Default.Encode first.
        await provider.GetRequiredService<IEmailSender<IdentityUser>>().SendConfirmationLinkAsync(User, "ann@example.com", HtmlEncoder.Default.Encode(Link));

        var sent = mail.ShouldHaveSent();
        Assert.Equal(["ann@example.com"], sent.Recipients);
        Assert.Equal("app@example.com", sent.Sender);
        Assert.Equal("App", Assert.Single(sent.Message.From.Mailboxes).Name);
        Assert.Equal("Confirm your email", sent.Subject);
        Assert.Contains($"href=\"{HtmlEncoder.Default.Encode(Link)}\"", sent.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("&amp;amp;", sent.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(Link, sent.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendPasswordResetLinkAsync_RawLinkWithMarkup_IsHtmlEncoded()
    {
        var (provider, mail) = Build();
        await using var _ = provider;
        const string hostile = "https://app.example.com/reset?code=\"><script>alert(1)</script>";

        await provider.GetRequiredService<IEmailSender<IdentityUser>>().SendPasswordResetLinkAsync(User, "ann@example.com", hostile);

        var sent = mail.ShouldHaveSent(m => m.Subject == "Reset your password");
        Assert.DoesNotContain("<script>", sent.HtmlBody, StringComparison.Ordinal);
        Assert.Contains($"href=\"{HtmlEncoder.Default.Encode(hostile)}\"", sent.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(hostile, sent.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendPasswordResetCodeAsync_SendsTheCodeInBothBodies()
    {
        var (provider, mail) = Build();
        await using var _ = provider;

        await provider.GetRequiredService<IEmailSender<IdentityUser>>().SendPasswordResetCodeAsync(User, "ann@example.com", HtmlEncoder.Default.Encode("Q1w2+E3r4"));

        var sent = mail.ShouldHaveSent(m => m.Subject == "Reset your password");
        Assert.Contains("Q1w2+E3r4", sent.TextBody, StringComparison.Ordinal);
        Assert.Contains($"<strong>{HtmlEncoder.Default.Encode("Q1w2+E3r4")}</strong>", sent.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UiEmailSender_SendEmailAsync_SendsTheHtmlAsGiven()
    {
        var (provider, mail) = Build();
        await using var _ = provider;

        await provider.GetRequiredService<UiEmailSender>().SendEmailAsync("bob@example.com", "Welcome", "<p>Hello <b>Bob</b></p>");

        var sent = mail.ShouldHaveSent();
        Assert.Equal(["bob@example.com"], sent.Recipients);
        Assert.Equal("Welcome", sent.Subject);
        Assert.Equal("<p>Hello <b>Bob</b></p>", sent.HtmlBody);
    }

    [Fact]
    public async Task AddIdentityEmailSender_ReplacesIdentityDefaults_RegisteredBeforeOrAfter()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTransient<UiEmailSender, NoOpEmailSender>();             // as AddDefaultUI does, before
        services.AddMailSender(Configure).AddIdentityEmailSender<IdentityUser>();
        services.AddIdentityApiEndpoints<IdentityUser>();                   // registers its own IEmailSender<TUser> with TryAdd, after
        services.TryAddTransient<UiEmailSender, NoOpEmailSender>();
        services.AddInMemoryEmailTransport();
        await using var provider = services.BuildServiceProvider();
        var mail = provider.GetRequiredService<InMemoryEmailTransport>();

        await provider.GetRequiredService<IEmailSender<IdentityUser>>().SendConfirmationLinkAsync(User, "ann@example.com", Link);
        await provider.GetRequiredService<UiEmailSender>().SendEmailAsync("ann@example.com", "UI", "<p>ui</p>");

        Assert.Equal(2, mail.SentMessages.Count);

        // The last registration wins a GetService either way; exactly one registration each shows the defaults were removed.
        Assert.IsType<IdentityEmailSender<IdentityUser>>(Assert.Single(provider.GetServices<UiEmailSender>()));
        // Identity registers its IEmailSender<TUser> default as the open generic IEmailSender<> (TryAdd sees no
        // IEmailSender<> and adds it after ours): GetServices lists it, but the closed registration wins every
        // GetService, so exactly one registration of the closed type is what must hold.
        Assert.Single(services, d => d.ServiceType == typeof(IEmailSender<IdentityUser>));
        Assert.IsType<IdentityEmailSender<IdentityUser>>(provider.GetRequiredService<IEmailSender<IdentityUser>>());
        Assert.DoesNotContain(provider.GetServices<IEmailSender<IdentityUser>>(), s => s.GetType() != typeof(IdentityEmailSender<IdentityUser>) && s.GetType().Name != "DefaultMessageEmailSender`1");
    }

    [Fact]
    public async Task AddIdentityEmailSender_RemovesUnkeyedRegistrationsOnly_KeyedOnesStay()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKeyedTransient<UiEmailSender, NoOpEmailSender>("other");
        services.AddKeyedTransient<IEmailSender<IdentityUser>, NoOpIdentitySender>("other");
        services.AddTransient<UiEmailSender, NoOpEmailSender>();
        services.AddTransient<IEmailSender<IdentityUser>, NoOpIdentitySender>();
        services.AddMailSender(Configure).AddIdentityEmailSender<IdentityUser>();
        services.AddInMemoryEmailTransport();
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<IdentityEmailSender<IdentityUser>>(Assert.Single(provider.GetServices<UiEmailSender>()));
        Assert.IsType<IdentityEmailSender<IdentityUser>>(Assert.Single(provider.GetServices<IEmailSender<IdentityUser>>()));   // no Identity open generic here
        Assert.IsType<NoOpEmailSender>(provider.GetRequiredKeyedService<UiEmailSender>("other"));
        Assert.IsType<NoOpIdentitySender>(provider.GetRequiredKeyedService<IEmailSender<IdentityUser>>("other"));
    }

    [Fact]
    public async Task AddIdentityEmailSender_OnNamedSender_SendsThroughThatSender()
    {
        var services = new ServiceCollection();
        services.AddMailSender(Configure);
        services.AddMailSender("identity", o => o.DefaultFrom = "Accounts <accounts@example.com>").AddIdentityEmailSender<IdentityUser>();
        services.AddInMemoryEmailTransport();
        await using var provider = services.BuildServiceProvider();
        var mail = provider.GetRequiredService<InMemoryEmailTransport>();

        await provider.GetRequiredService<IEmailSender<IdentityUser>>().SendConfirmationLinkAsync(User, "ann@example.com", Link);

        Assert.Equal("accounts@example.com", mail.ShouldHaveSent().Sender);
    }

    [Fact]
    public async Task AddIdentityEmailSender_SenderHasNoDefaultFrom_FailsOptionsValidationNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddMailSender("accounts", _ => { }).AddIdentityEmailSender<IdentityUser>();
        services.AddInMemoryEmailTransport();
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            provider.GetRequiredService<IEmailSender<IdentityUser>>().SendConfirmationLinkAsync(User, "ann@example.com", Link));

        Assert.Contains("MailSender[accounts]:DefaultFrom is required by AddIdentityEmailSender", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("ann@example.com, eve@example.com")]
    [InlineData("Eve <eve@example.com>")]
    public async Task SendConfirmationLinkAsync_AddressIsNotOneBareAddress_ThrowsInvalidMessageAndSendsNothing(string email)
    {
        var (provider, mail) = Build();
        await using var _ = provider;

        var error = await Assert.ThrowsAsync<EmailSendException>(() =>
            provider.GetRequiredService<IEmailSender<IdentityUser>>().SendConfirmationLinkAsync(User, email, Link));

        Assert.Equal(EmailErrorKind.InvalidMessage, error.Kind);
        mail.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task SendConfirmationLinkAsync_TransportFails_ThrowsTheTransportsError()
    {
        var (provider, mail) = Build();
        await using var _ = provider;
        mail.FailNext(1, EmailErrorKind.AuthenticationFailed);

        var error = await Assert.ThrowsAsync<EmailSendException>(() =>
            provider.GetRequiredService<IEmailSender<IdentityUser>>().SendConfirmationLinkAsync(User, "ann@example.com", Link));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        mail.ShouldHaveSentNothing();
    }

    private static void Configure(MailSenderOptions options) => options.DefaultFrom = "App <app@example.com>";

    private static (ServiceProvider Provider, InMemoryEmailTransport Mail) Build()
    {
        var services = new ServiceCollection();
        services.AddMailSender(Configure).AddIdentityEmailSender<IdentityUser>();
        services.AddInMemoryEmailTransport();
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<InMemoryEmailTransport>());
    }

    private sealed class NoOpIdentitySender : IEmailSender<IdentityUser>
    {
        public Task SendConfirmationLinkAsync(IdentityUser user, string email, string confirmationLink) => Task.CompletedTask;

        public Task SendPasswordResetLinkAsync(IdentityUser user, string email, string resetLink) => Task.CompletedTask;

        public Task SendPasswordResetCodeAsync(IdentityUser user, string email, string resetCode) => Task.CompletedTask;
    }
}
