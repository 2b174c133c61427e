namespace MailSender.Smtp.Detection;

/// <summary>One endpoint to probe: <paramref name="Mode"/> is <see cref="SmtpSecurity.Implicit"/> (TLS first) or <see cref="SmtpSecurity.StartTls"/> (plain text first, STARTTLS when offered).</summary>
internal sealed record ProbeCandidate(string Host, int Port, SmtpSecurity Mode, SmtpProbeSource Source, int Order)
{
    /// <summary>Gets the best rank this candidate can reach; lower is better (see <see cref="ProbeRank"/>).</summary>
    public ProbeRank BestPossible => new(ProbeRank.OfSecurity(Mode), (int)Source, Order);
}

/// <summary>
/// Orders endpoints: security first (RFC 8314: implicit TLS, STARTTLS, plain text), then where they came from
/// (configured, preset, SRV, default port), then the order in which they were listed.
/// </summary>
internal readonly record struct ProbeRank(int Security, int Source, int Order) : IComparable<ProbeRank>
{
    public static int OfSecurity(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Implicit => 0,
        SmtpSecurity.StartTls => 1,
        _ => 2,
    };

    public static bool operator <(ProbeRank left, ProbeRank right) => left.CompareTo(right) < 0;

    public static bool operator >(ProbeRank left, ProbeRank right) => left.CompareTo(right) > 0;

    public static bool operator <=(ProbeRank left, ProbeRank right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ProbeRank left, ProbeRank right) => left.CompareTo(right) >= 0;

    public int CompareTo(ProbeRank other) =>
        Security != other.Security ? Security.CompareTo(other.Security)
        : Source != other.Source ? Source.CompareTo(other.Source)
        : Order.CompareTo(other.Order);
}
