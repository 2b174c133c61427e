using System.Net.Sockets;

namespace MailSender.RealPeer.Tests.Support;

/// <summary>
/// Finds the private Postfix through <c>$MAILSENDER_POSTFIX_DIR/peer.env</c> (default folder <c>/tmp/mailsender-postfix</c>).
/// A test calls <see cref="Require"/>: when Postfix is absent the test is skipped with the reason, except under
/// <c>CI=true</c>, where it fails, so a broken CI set-up cannot pass silently.
/// </summary>
public sealed class PostfixFixture
{
    /// <summary>The environment variable naming the folder that holds <c>peer.env</c>.</summary>
    public const string DirectoryVariable = "MAILSENDER_POSTFIX_DIR";

    /// <summary>The folder <c>scripts/postfix/start.sh</c> uses by default.</summary>
    public const string DefaultDirectory = "/tmp/mailsender-postfix";

    /// <summary>Initializes a new instance of the <see cref="PostfixFixture"/> class, looking for Postfix once.</summary>
    public PostfixFixture()
        : this(Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured ? configured : DefaultDirectory, IsCiEnvironment())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostfixFixture"/> class for a given folder and CI setting (for tests of the fixture).</summary>
    internal PostfixFixture(string directory, bool isCi)
    {
        IsCi = isCi;
        (Peer, UnavailableReason) = Find(Path.Combine(directory, PostfixPeer.PeerFileName));
    }

    /// <summary>Gets the running Postfix, or <see langword="null"/> when it was not found.</summary>
    public PostfixPeer? Peer { get; }

    /// <summary>Gets why <see cref="Peer"/> is <see langword="null"/>.</summary>
    public string? UnavailableReason { get; }

    /// <summary>Gets a value indicating whether the tests run under CI (environment variable <c>CI=true</c>), where an absent Postfix fails them.</summary>
    public bool IsCi { get; }

    /// <summary>Returns the running Postfix; skips the calling test when there is none, or fails it under <c>CI=true</c>.</summary>
    /// <exception cref="SkipException">Postfix is not running and CI is not <c>true</c>.</exception>
    /// <exception cref="InvalidOperationException">Postfix is not running and CI is <c>true</c>.</exception>
    public PostfixPeer Require()
    {
        if (Peer is not null)
        {
            return Peer;
        }

        if (IsCi)
        {
            throw new InvalidOperationException(UnavailableReason + " CI=true, so the real-peer tests fail instead of being skipped (.ci/run starts Postfix when it runs as root).");
        }

        throw new SkipException(UnavailableReason);
    }

    private static bool IsCiEnvironment() => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static (PostfixPeer? Peer, string? Reason) Find(string file)
    {
        const string Start = "Postfix not running: run scripts/postfix/start.sh";
        if (!File.Exists(file))
        {
            return (null, $"{Start} (no {file}; set {DirectoryVariable} to the folder of another instance).");
        }

        var peer = PostfixPeer.Load(file);
        try
        {
            using var client = new TcpClient();
            if (!client.ConnectAsync(peer.Host, peer.PlainPort).Wait(TimeSpan.FromSeconds(2)))
            {
                return (null, $"{Start} ({file} exists, but {peer.Host}:{peer.PlainPort} did not accept a connection within 2 s).");
            }
        }
        catch (AggregateException error) when (error.InnerException is SocketException socket)
        {
            return (null, $"{Start} ({file} exists, but {peer.Host}:{peer.PlainPort} refused the connection: {socket.SocketErrorCode}).");
        }

        return (peer, null);
    }
}
