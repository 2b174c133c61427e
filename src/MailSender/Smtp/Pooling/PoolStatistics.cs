namespace MailSender.Smtp.Pooling;

/// <summary>
/// A snapshot of a connection pool's state, for metrics and diagnostics.
/// </summary>
/// <param name="InUse">Connections currently sending.</param>
/// <param name="Idle">Open connections waiting for a send.</param>
/// <param name="Waiting">Sends waiting for a free connection.</param>
/// <param name="Opened">Connections opened since the pool was created.</param>
/// <param name="Discarded">Connections closed by the pool since it was created (errors, limits, idle timeout, lifetime).</param>
internal readonly record struct PoolStatistics(int InUse, int Idle, int Waiting, long Opened, long Discarded);
