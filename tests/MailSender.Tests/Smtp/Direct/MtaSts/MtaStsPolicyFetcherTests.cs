using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailSender.Smtp.Direct;
using MailSender.Smtp.Direct.MtaSts;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Direct.MtaSts;

/// <summary>The HTTPS policy fetch against a local HTTPS server with the test CA: what RFC 8461 (3.3) accepts and what it refuses.</summary>
public class MtaStsPolicyFetcherTests
{
    private const string PolicyPath = "/.well-known/mta-sts.txt";
    private const string Body = "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 86400\r\n";

    [Fact]
    public async Task FetchAsync_ValidCertificateAnd200TextPlain_TheBody()
    {
        await using var server = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts.test")).Respond(PolicyPath, TestHttpResponse.Text(Body));

        var fetch = await Fetcher(server.Port).FetchAsync("sts.test", CancellationToken.None);

        Assert.Null(fetch.Problem);
        Assert.Equal(Body, fetch.Body);
        Assert.Equal([$"GET /.well-known/mta-sts.txt HTTP/1.1 mta-sts.sts.test:{server.Port}"], server.Requests);
    }

    [Fact]
    public async Task FetchAsync_UntrustedCertificate_NoPolicy()
    {
        await using var server = new TestHttpsServer(TestCertificates.UntrustedFor("mta-sts.sts.test")).Respond(PolicyPath, TestHttpResponse.Text(Body));

        var fetch = await Fetcher(server.Port).FetchAsync("sts.test", CancellationToken.None);

        Assert.Null(fetch.Body);
        Assert.Contains("the web server's certificate is not valid: the certificate is self-signed and not trusted", fetch.Problem, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task FetchAsync_CertificateForAnotherName_NoPolicy()
    {
        await using var server = new TestHttpsServer(TestCertificates.ServerFor("www.sts.test")).Respond(PolicyPath, TestHttpResponse.Text(Body));

        var fetch = await Fetcher(server.Port).FetchAsync("sts.test", CancellationToken.None);

        Assert.Null(fetch.Body);
        Assert.Contains("name does not match", fetch.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, "text/plain", null, "answered HTTP 404, not 200")]
    [InlineData(500, "text/plain", null, "answered HTTP 500, not 200")]
    [InlineData(204, "text/plain", null, "answered HTTP 204, not 200")]
    [InlineData(301, "text/plain", "https://mta-sts.sts.test/elsewhere.txt", "answered with a redirect (HTTP 301), which MTA-STS does not follow")]
    [InlineData(302, null, "/elsewhere.txt", "answered with a redirect (HTTP 302)")]
    [InlineData(200, "text/html", null, "was served as 'text/html', not text/plain")]
    [InlineData(200, null, null, "not text/plain")]
    public async Task FetchAsync_NotA200TextPlainAnswer_NoPolicy(int status, string? contentType, string? location, string expected)
    {
        await using var server = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts.test"))
            .Respond(PolicyPath, new TestHttpResponse(status, contentType, Body, location))
            .Respond("/elsewhere.txt", TestHttpResponse.Text(Body));

        var fetch = await Fetcher(server.Port).FetchAsync("sts.test", CancellationToken.None);

        Assert.Null(fetch.Body);
        Assert.Contains(expected, fetch.Problem, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task FetchAsync_BodyOver64KiB_NoPolicy()
    {
        await using var server = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts.test"))
            .Respond(PolicyPath, TestHttpResponse.Text(Body + new string('#', MtaStsPolicyFetcher.MaxBodyBytes)));

        var fetch = await Fetcher(server.Port).FetchAsync("sts.test", CancellationToken.None);

        Assert.Null(fetch.Body);
        Assert.Contains("is larger than 64 KiB", fetch.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_SlowServer_TimesOut()
    {
        await using var server = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts.test")) { Delay = TimeSpan.FromSeconds(5) }
            .Respond(PolicyPath, TestHttpResponse.Text(Body));

        var fetch = await Fetcher(server.Port, timeout: TimeSpan.FromMilliseconds(300)).FetchAsync("sts.test", CancellationToken.None);

        Assert.Null(fetch.Body);
        Assert.Contains("took longer than 0.3 s", fetch.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_HostWithoutAddress_NoPolicy()
    {
        var fetch = await Fetcher(LoopbackPorts.Closed()).FetchAsync("unknown.test", CancellationToken.None);

        Assert.Null(fetch.Body);
        Assert.Contains("'mta-sts.unknown.test' has no A or AAAA record", fetch.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_NothingListening_NoPolicy()
    {
        var fetch = await Fetcher(LoopbackPorts.Closed()).FetchAsync("sts.test", CancellationToken.None);

        Assert.Null(fetch.Body);
        Assert.StartsWith("fetching https://mta-sts.sts.test:", fetch.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_PolicyServedOverHttps_Enforced()
    {
        await using var web = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts.test"))
            .Respond(PolicyPath, TestHttpResponse.Text("version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n"));
        await using var mx = await InProcessSmtpServer.StartAsync();
        await using var transport = Transport(web.Port, mx.Port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => DirectTransportTests.SendAsync(transport, TestMessages.Text("Plain MX.", "ann@sts.test")));

        Assert.True(error.IsTransient);
        Assert.Contains("MTA-STS policy (mode enforce)", error.Message, StringComparison.Ordinal);
        Assert.Empty(mx.Messages);
    }

    [Fact]
    public async Task Send_PolicyServedWithAnUntrustedCertificate_DeliveredAsWithoutPolicy()
    {
        await using var web = new TestHttpsServer(TestCertificates.UntrustedFor("mta-sts.sts.test"))
            .Respond(PolicyPath, TestHttpResponse.Text("version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n"));
        await using var mx = await InProcessSmtpServer.StartAsync();
        await using var transport = Transport(web.Port, mx.Port);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("No usable policy.", "ann@sts.test"));

        Assert.Single(mx.Messages);
    }

    private static FakeMxResolver Resolver() =>
        new FakeMxResolver()
            .Mx("sts.test", ("mx.sts.test", 10))
            .Address("mx.sts.test", "127.0.0.1")
            .Address("mta-sts.sts.test", "127.0.0.1")
            .Text("_mta-sts.sts.test", "v=STSv1; id=1");

    private static CertificateValidator TestTrust() => new([TestCertificates.Authority], null);

    private static MtaStsPolicyFetcher Fetcher(int port, TimeSpan? timeout = null)
    {
        var resolver = Resolver();
        return new MtaStsPolicyFetcher(resolver.LookupAddressesAsync, TestTrust(), port, timeout ?? TimeSpan.FromSeconds(10));
    }

    private static DirectTransport Transport(int policyPort, int smtpPort) =>
        DirectTransportTests.Create(Resolver(), smtpPort, s => s with { MtaStsPolicyPort = policyPort, MtaStsPolicyTrust = TestTrust() });
}
