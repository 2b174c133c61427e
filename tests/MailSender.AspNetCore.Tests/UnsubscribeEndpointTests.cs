using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MailSender.AspNetCore.Tests;

public sealed class UnsubscribeEndpointTests : IAsyncDisposable
{
    private static readonly string Secret = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly List<WebApplication> _apps = [];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OneClickPost_Genuine_Records_Answers200_NoRedirectNoCookie_AndIsIdempotent(bool multipart)
    {
        var (client, app) = await StartAsync();
        var token = app.Services.GetRequiredService<IUnsubscribeTokens>().CreateToken("ann@example.org", "news.example.com");

        using var first = await client.PostAsync("/unsubscribe/" + token, OneClick(multipart));
        using var second = await client.PostAsync("/unsubscribe/" + token, OneClick(multipart));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(first.Headers.Contains("Set-Cookie"));
        Assert.Null(first.Headers.Location);
        var entry = await app.Services.GetRequiredService<IEmailSuppressionList>().FindAsync("ann@example.org", "news.example.com");
        Assert.NotNull(entry);
        Assert.Equal(SuppressionReason.Unsubscribed, entry.Reason);
        Assert.Equal("news.example.com", entry.List);
    }

    [Fact]
    public async Task Post_ForgedToken_Is400_AndRecordsNothing()
    {
        var (client, app) = await StartAsync();
        var token = app.Services.GetRequiredService<IUnsubscribeTokens>().CreateToken("ann@example.org", "news.example.com");
        var forged = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");

        using var response = await client.PostAsync("/unsubscribe/" + forged, OneClick(multipart: false));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await app.Services.GetRequiredService<IEmailSuppressionList>().FindAsync("ann@example.org", "news.example.com"));
    }

    [Fact]
    public async Task Post_ExpiredToken_Is400_SaysExpired_AndRecordsNothing()
    {
        var (client, app) = await StartAsync();
        var token = app.Services.GetRequiredService<IUnsubscribeTokens>().CreateToken("ann@example.org", "news.example.com");
        _time.Advance(TimeSpan.FromDays(181));

        using var response = await client.PostAsync("/unsubscribe/" + token, OneClick(multipart: false));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await app.Services.GetRequiredService<IEmailSuppressionList>().FindAsync("ann@example.org", "news.example.com"));
    }

    [Fact]
    public async Task Post_WithoutTheOneClickField_Is400_AndRecordsNothing()
    {
        var (client, app) = await StartAsync();
        var token = app.Services.GetRequiredService<IUnsubscribeTokens>().CreateToken("ann@example.org", "news.example.com");

        using var response = await client.PostAsync("/unsubscribe/" + token, new FormUrlEncodedContent([new("other", "x")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await app.Services.GetRequiredService<IEmailSuppressionList>().FindAsync("ann@example.org", "news.example.com"));
    }

    [Fact]
    public async Task Get_ShowsAConfirmationPage_EncodesWhatItEchoes_AndDoesNotUnsubscribe()
    {
        var (client, app) = await StartAsync();
        var token = app.Services.GetRequiredService<IUnsubscribeTokens>().CreateToken("ann@example.org", "<b>news</b>");

        using var response = await client.GetAsync("/unsubscribe/" + token);
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<form method=\"post\">", page, StringComparison.Ordinal);
        Assert.Contains("name=\"List-Unsubscribe\" value=\"One-Click\"", page, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;news&lt;/b&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>news</b>", page, StringComparison.Ordinal);
        Assert.Null(await app.Services.GetRequiredService<IEmailSuppressionList>().FindAsync("ann@example.org", "<b>news</b>"));
    }

    [Fact]
    public async Task Get_ForgedToken_Is400()
    {
        var (client, _) = await StartAsync();

        using var response = await client.GetAsync("/unsubscribe/bm90LmEudG9rZW4.AAAA");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static HttpContent OneClick(bool multipart)
    {
        if (!multipart)
        {
            return new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
        }

        var content = new MultipartFormDataContent();
        content.Add(new StringContent("One-Click"), "List-Unsubscribe");
        return content;
    }

    private async Task<(HttpClient Client, WebApplication App)> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddOneClickUnsubscribe(o =>
        {
            o.BaseUrl = "https://example.com/unsubscribe";
            o.Keys.Add(new UnsubscribeKey { Id = "k1", Secret = Secret });
        });
        builder.Services.AddSuppressionList();
        var app = builder.Build();
        _apps.Add(app);
        app.MapMailSenderUnsubscribe();
        await app.StartAsync();
        return (app.GetTestClient(), app);
    }
}
