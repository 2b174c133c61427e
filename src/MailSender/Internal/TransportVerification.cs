namespace MailSender.Internal;

/// <summary>Verifies a transport that supports it (<see cref="IVerifiableEmailTransport"/>); the others cannot be checked without sending.</summary>
internal static class TransportVerification
{
    public static Task VerifyAsync(IEmailTransport transport, CancellationToken cancellationToken) =>
        transport is IVerifiableEmailTransport verifiable
            ? verifiable.VerifyAsync(cancellationToken)
            : throw new NotSupportedException($"The transport {transport.Name} cannot be verified: it does not implement IVerifiableEmailTransport.");
}
