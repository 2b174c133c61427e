namespace MailSender.Smtp.Protocol;

/// <summary>
/// Remembers the servers (host:port) that refused a pipelined <c>BDAT</c>, so <c>pipelining=aggressive</c> falls back to
/// <c>on</c> for them. One per service container (held by the <see cref="SmtpConnector"/>); kept for the life of the process.
/// </summary>
internal sealed class PipeliningHistory
{
    private readonly EndpointSet _refused = new();

    public void MarkRefusesPipelinedBdat(string host, int port) => _refused.Add(host, port);

    public bool RefusesPipelinedBdat(string host, int port) => _refused.Contains(host, port);
}
