// The nodemailer mode of the throughput harness: nodemailer's pooled SMTP transport, C concurrent callers.
// Usage: node send.mjs HOST PORT MESSAGES SIZE CONNECTIONS CALLERS WARMUP [tls|starttls|none]
// Sends WARMUP messages, prints "WARM" and waits for a line on stdin (the harness reads the proxy's counters then),
// sends MESSAGES messages, and prints one JSON line: {"sent":N,"seconds":S,"cpuUserMicros":U,"cpuSystemMicros":Y}.
import nodemailer from "nodemailer";
import readline from "node:readline";

const [host, port, messages, size, connections, callers, warmup, tls = "none"] = process.argv.slice(2);
const transport = nodemailer.createTransport({
  pool: true,
  host,
  port: Number(port),
  secure: tls === "tls",
  ignoreTLS: tls === "none",
  requireTLS: tls === "starttls",
  tls: { rejectUnauthorized: false },
  maxConnections: Number(connections),
  maxMessages: Infinity,
});

// About SIZE bytes on the wire, as the other modes: headers are ~300 bytes.
const text = ("The quick brown fox jumps over the lazy dog. ".repeat(Math.ceil(Number(size) / 45) + 1)).slice(0, Math.max(0, Number(size) - 300));
const lines = text.match(/.{1,76}/g)?.join("\r\n") ?? "";

async function run(count) {
  let claimed = 0;
  let sent = 0;
  async function worker() {
    while (claimed++ < count) {
      await transport.sendMail({ from: "sender@example.com", to: "recipient@example.com", subject: "Throughput", text: lines });
      sent++;
    }
  }
  await Promise.all(Array.from({ length: Number(callers) }, worker));
  return sent;
}

await run(Number(warmup));
process.stdout.write("WARM\n");
const input = readline.createInterface({ input: process.stdin });
await new Promise((resolve) => input.once("line", resolve));
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
const sent = await run(Number(messages));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ sent, seconds, cpuUserMicros: used.user, cpuSystemMicros: used.system }) + "\n");
input.close();
transport.close();
