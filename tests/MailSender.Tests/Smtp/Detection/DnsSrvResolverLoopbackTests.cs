using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using MailSender.Smtp.Detection;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>The DnsClient-based SRV lookup against a tiny DNS responder on 127.0.0.1 (UDP), so no outside network is needed.</summary>
public class DnsSrvResolverLoopbackTests
{
    [Fact]
    public async Task ResolveAsync_ConfiguredServer_ReturnsTheSrvTargets()
    {
        using var dns = new SrvResponder("mail.example.test", 465, priority: 5, weight: 10);

        var targets = await new DnsSrvResolver().ResolveAsync("_submissions._tcp.example.test", [$"127.0.0.1:{dns.Port}"], TimeSpan.FromSeconds(3), CancellationToken.None);

        var target = Assert.Single(targets);
        Assert.Equal(new SrvTarget("mail.example.test", 465, 5, 10), target);
        Assert.Equal(["_submissions._tcp.example.test"], dns.Questions);
    }

    /// <summary>Answers every query with one SRV record (RFC 2782), and records the names asked for.</summary>
    private sealed class SrvResponder : IDisposable
    {
        private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _questions = [];
        private readonly string _target;
        private readonly ushort _port;
        private readonly ushort _priority;
        private readonly ushort _weight;

        public SrvResponder(string target, ushort port, ushort priority, ushort weight)
        {
            (_target, _port, _priority, _weight) = (target, port, priority, weight);
            Port = ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
            _ = ServeAsync();
        }

        public int Port { get; }

        public IReadOnlyList<string> Questions
        {
            get
            {
                lock (_questions)
                {
                    return [.. _questions];
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _udp.Dispose();
            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                UdpReceiveResult query;
                try
                {
                    query = await _udp.ReceiveAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                var reply = Answer(query.Buffer);
                await _udp.SendAsync(reply, query.RemoteEndPoint, _stop.Token);
            }
        }

        private byte[] Answer(byte[] query)
        {
            // The question starts after the 12-byte header: labels, then QTYPE and QCLASS.
            var end = 12;
            var labels = new List<string>();
            while (query[end] != 0)
            {
                labels.Add(System.Text.Encoding.ASCII.GetString(query, end + 1, query[end]));
                end += query[end] + 1;
            }

            end += 5;
            lock (_questions)
            {
                _questions.Add(string.Join('.', labels));
            }

            var reply = new List<byte>();
            reply.AddRange(query.AsSpan(0, 2).ToArray());
            reply.AddRange(new byte[] { 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0 });
            reply.AddRange(query.AsSpan(12, end - 12).ToArray());
            var target = new List<byte>();
            foreach (var label in _target.Split('.'))
            {
                target.Add((byte)label.Length);
                target.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
            }

            target.Add(0);
            var data = new byte[6];
            BinaryPrimitives.WriteUInt16BigEndian(data, _priority);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), _weight);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(4), _port);
            var rdLength = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(rdLength, (ushort)(data.Length + target.Count));

            // Name: a pointer to the question's name; type SRV (33), class IN, TTL 60.
            reply.AddRange(new byte[] { 0xC0, 0x0C, 0, 33, 0, 1, 0, 0, 0, 60 });
            reply.AddRange(rdLength);
            reply.AddRange(data);
            reply.AddRange(target);
            return [.. reply];
        }
    }
}
