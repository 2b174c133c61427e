using System.Globalization;

namespace MailSender.Smtp.Pooling;

/// <summary>No pooled connection became free in time; mapped to an <see cref="EmailSendException"/> by the transport.</summary>
internal sealed class PoolExhaustedException(SmtpPoolOptions settings, PoolStatistics statistics)
    : Exception(string.Create(CultureInfo.InvariantCulture, $"No connection became free within {settings.AcquireTimeout.TotalSeconds:0.###} s: the pool is exhausted ({statistics.InUse} of {settings.MaxConnections} connections in use, {statistics.Waiting} sends waiting)."))
{
}
