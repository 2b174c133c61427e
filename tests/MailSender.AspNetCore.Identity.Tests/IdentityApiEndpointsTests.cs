using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using MailSender.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.AspNetCore.Identity.Tests;

/// <summary>
/// The adapter behind ASP.NET Core Identity's real <c>MapIdentityApi</c> endpoints: the mailed link and code must work
/// when a user follows them, which fails if the link is encoded twice or not at all.
/// </summary>
public sealed class IdentityApiEndpointsTests : IAsyncLifetime
{
    private readonly InMemoryUserStore _users = new();
    private WebApplication _app = null!;
    private InMemoryEmailTransport _mail = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddMailSender(o => o.DefaultFrom = "Accounts <accounts@example.com>").AddIdentityEmailSender<IdentityUser>();
        builder.Services.AddIdentityApiEndpoints<IdentityUser>();
        builder.Services.AddSingleton<IUserStore<IdentityUser>>(_users);
        builder.Services.AddAuthorization();
        builder.Services.AddInMemoryEmailTransport();
        _app = builder.Build();
        _mail = _app.Services.GetRequiredService<InMemoryEmailTransport>();
        _app.MapIdentityApi<IdentityUser>();
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Register_MailsAConfirmationLinkThatConfirmsTheAddress()
    {
        using var register = await _client.PostAsJsonAsync("/register", new { email = "ann@example.com", password = "Passw0rd!" });
        Assert.Equal(HttpStatusCode.OK, register.StatusCode);

        var sent = _mail.ShouldHaveSent();
        Assert.Equal("Confirm your email", sent.Subject);
        Assert.Equal(["ann@example.com"], sent.Recipients);
        Assert.Equal("accounts@example.com", sent.Sender);
        var link = LinkIn(sent.TextBody);
        Assert.Contains("&amp;", sent.HtmlBody, StringComparison.Ordinal);       // the query string's & encoded once in the href
        Assert.DoesNotContain("&amp;amp;", sent.HtmlBody, StringComparison.Ordinal);
        Assert.Contains($"href=\"{link.Replace("&", "&amp;", StringComparison.Ordinal)}\"", sent.HtmlBody, StringComparison.Ordinal);

        using var confirm = await _client.GetAsync(link);

        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.True(_users.Find("ann@example.com").EmailConfirmed);
    }

    [Fact]
    public async Task ForgotPassword_MailsACodeThatResetsThePassword()
    {
        using (var register = await _client.PostAsJsonAsync("/register", new { email = "bob@example.com", password = "Passw0rd!" }))
        {
            Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        }

        using (var confirm = await _client.GetAsync(LinkIn(_mail.ShouldHaveSent().TextBody)))
        {
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        }

        _mail.Clear();

        using var forgot = await _client.PostAsJsonAsync("/forgotPassword", new { email = "bob@example.com" });
        Assert.Equal(HttpStatusCode.OK, forgot.StatusCode);
        var sent = _mail.ShouldHaveSent();
        Assert.Equal("Reset your password", sent.Subject);
        var code = sent.TextBody!.Split('\n')[1].Trim();

        using var reset = await _client.PostAsJsonAsync("/resetPassword", new { email = "bob@example.com", resetCode = code, newPassword = "N3w-Passw0rd!" });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        using var login = await _client.PostAsJsonAsync("/login", new { email = "bob@example.com", password = "N3w-Passw0rd!" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Register_TransportFails_TheRequestFailsWithTheSendError()
    {
        _mail.FailNext(1, EmailErrorKind.AuthenticationFailed);

        // TestServer rethrows what the endpoint did not handle; Kestrel answers 500 instead of a success.
        var error = await Assert.ThrowsAsync<EmailSendException>(() =>
            _client.PostAsJsonAsync("/register", new { email = "carol@example.com", password = "Passw0rd!" }));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        _mail.ShouldHaveSentNothing();
    }

    private static string LinkIn(string? text) =>
        text?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("http", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No link in the text body: {text}");

    /// <summary>Just enough of a user store for the Identity API endpoints.</summary>
    private sealed class InMemoryUserStore : IUserEmailStore<IdentityUser>, IUserPasswordStore<IdentityUser>
    {
        private readonly ConcurrentDictionary<string, IdentityUser> _byId = new();

        public IdentityUser Find(string email) => _byId.Values.Single(u => u.Email == email);

        public Task<IdentityResult> CreateAsync(IdentityUser user, CancellationToken cancellationToken) =>
            Task.FromResult(_byId.TryAdd(user.Id, user) ? IdentityResult.Success : IdentityResult.Failed(new IdentityError { Description = "duplicate id" }));

        public Task<IdentityResult> UpdateAsync(IdentityUser user, CancellationToken cancellationToken)
        {
            _byId[user.Id] = user;
            return Task.FromResult(IdentityResult.Success);
        }

        public Task<IdentityResult> DeleteAsync(IdentityUser user, CancellationToken cancellationToken)
        {
            _byId.TryRemove(user.Id, out _);
            return Task.FromResult(IdentityResult.Success);
        }

        public Task<IdentityUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) => Task.FromResult(_byId.GetValueOrDefault(userId));

        public Task<IdentityUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
            Task.FromResult(_byId.Values.FirstOrDefault(u => u.NormalizedUserName == normalizedUserName));

        public Task<IdentityUser?> FindByEmailAsync(string normalizedEmail, CancellationToken cancellationToken) =>
            Task.FromResult(_byId.Values.FirstOrDefault(u => u.NormalizedEmail == normalizedEmail));

        public Task<string> GetUserIdAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

        public Task<string?> GetUserNameAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.UserName);

        public Task SetUserNameAsync(IdentityUser user, string? userName, CancellationToken cancellationToken) => Set(() => user.UserName = userName);

        public Task<string?> GetNormalizedUserNameAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.NormalizedUserName);

        public Task SetNormalizedUserNameAsync(IdentityUser user, string? normalizedName, CancellationToken cancellationToken) => Set(() => user.NormalizedUserName = normalizedName);

        public Task SetEmailAsync(IdentityUser user, string? email, CancellationToken cancellationToken) => Set(() => user.Email = email);

        public Task<string?> GetEmailAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.Email);

        public Task<bool> GetEmailConfirmedAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.EmailConfirmed);

        public Task SetEmailConfirmedAsync(IdentityUser user, bool confirmed, CancellationToken cancellationToken) => Set(() => user.EmailConfirmed = confirmed);

        public Task<string?> GetNormalizedEmailAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.NormalizedEmail);

        public Task SetNormalizedEmailAsync(IdentityUser user, string? normalizedEmail, CancellationToken cancellationToken) => Set(() => user.NormalizedEmail = normalizedEmail);

        public Task SetPasswordHashAsync(IdentityUser user, string? passwordHash, CancellationToken cancellationToken) => Set(() => user.PasswordHash = passwordHash);

        public Task<string?> GetPasswordHashAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash);

        public Task<bool> HasPasswordAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash is not null);

        public void Dispose()
        {
        }

        private static Task Set(Action set)
        {
            set();
            return Task.CompletedTask;
        }
    }
}
